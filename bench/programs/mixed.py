"""Mixed, realistic: orders built from small classes, serialised with json and read back,
totals per customer in dicts, report lines with string formatting, regex over the text,
comprehensions and sorting. Deterministic (a fixed linear congruential generator, no
random, no hashing of str in any printed result). usage: mixed.py UNITS"""
import json
import os
import re
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import report  # noqa: E402

CUSTOMERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
PREFIXES = ["ABC", "KLM", "XYZ", "QRS"]
WORD = re.compile(r"[a-z]+")
SKU = re.compile(r"^([A-Z]{3})-(\d{4})$")
AMOUNT = re.compile(r"(\d+)\.(\d\d)")


class Rng:
    __slots__ = ("state",)

    def __init__(self, seed):
        self.state = seed & 0x7FFFFFFF

    def next(self, bound):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return self.state % bound


class Item:
    __slots__ = ("sku", "qty", "price")

    def __init__(self, sku, qty, price):
        self.sku = sku
        self.qty = qty
        self.price = price

    def total(self):
        return self.qty * self.price

    def to_dict(self):
        return {"sku": self.sku, "qty": self.qty, "price": self.price}


class Order:
    def __init__(self, oid, customer, items):
        self.oid = oid
        self.customer = customer
        self.items = items

    def total(self):
        return sum(item.total() for item in self.items)

    def to_dict(self):
        return {"id": self.oid, "customer": self.customer, "items": [i.to_dict() for i in self.items]}

    @classmethod
    def from_dict(cls, d):
        return cls(d["id"], d["customer"], [Item(x["sku"], x["qty"], x["price"]) for x in d["items"]])


def make_orders(rng, first_id, count):
    orders = []
    for k in range(count):
        items = [Item("%s-%04d" % (PREFIXES[rng.next(4)], rng.next(10000)), 1 + rng.next(5),
                      round(0.5 + rng.next(5000) / 100.0, 2))
                 for _ in range(1 + rng.next(4))]
        orders.append(Order(first_id + k, CUSTOMERS[rng.next(len(CUSTOMERS))], items))
    return orders


def describe(order):
    return f"{order.customer:<8} #{order.oid:06d} {len(order.items)} items {order.total():10.2f}"


def sku_prefixes(orders):
    counts = defaultdict(int)
    for order in orders:
        for item in order.items:
            m = SKU.match(item.sku)
            if m:
                counts[m.group(1)] += 1
    return counts


def cents(lines):
    return sum(int(a) * 100 + int(b) for line in lines for a, b in AMOUNT.findall(line))


def one_unit(rng, unit):
    orders = make_orders(rng, unit * 16, 16)
    blob = json.dumps([o.to_dict() for o in orders], sort_keys=True)
    back = [Order.from_dict(d) for d in json.loads(blob)]
    per_customer = defaultdict(float)
    for order in back:
        per_customer[order.customer] += order.total()
    lines = [describe(o) for o in back]
    words = WORD.findall(" ".join(lines))
    top = sorted(per_customer.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    prefixes = sku_prefixes(back)
    big = {o.oid: o.total() for o in back if o.total() > 100}
    return (len(blob) + len(words) + cents(lines) + sum(prefixes.values()) + len(big)
            + int(sum(v for _, v in top)))


def main():
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = Rng(12345)
    checksum = 0
    t0 = time.monotonic_ns()
    for unit in range(units):
        checksum = (checksum + one_unit(rng, unit)) & 0xFFFFFFFF
    t1 = time.monotonic_ns()
    report(t0, t1, units=units, checksum=checksum)


if __name__ == "__main__":
    main()

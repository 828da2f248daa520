# A deterministic program whose call counts weft must report exactly as cProfile does:
# recursion, mutual recursion, methods, generators (every resume is a call), closures,
# callbacks from C (sorted's key), comprehensions and exceptions.


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


class Shape:
    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side

    @property
    def double(self):
        return self.area() * 2


def squares(n):
    for i in range(n):
        yield i * i


def make_adder(k):
    def add(x):
        return x + k
    return add


def sort_key(s):
    return s.area()


def fails(n):
    if n % 3 == 0:
        raise ValueError(n)
    return n


def main():
    fib(12)
    is_even(20)
    shapes = [Shape(i) for i in range(50)]
    total = sum(s.double for s in shapes)
    ordered = sorted(shapes, key=sort_key)
    add5 = make_adder(5)
    values = [add5(v) for v in squares(30)]
    caught = 0
    for i in range(30):
        try:
            fails(i)
        except ValueError:
            caught += 1
    return total, len(ordered), sum(values), caught


if __name__ == "__main__":
    print(main())

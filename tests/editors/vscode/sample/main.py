"""Prints the areas of a few shapes."""

from shapes import circle_area, rectangle_area


def main():
    print(circle_area(1.0))
    print(rectangle_area(2.0, 3.0))


if __name__ == "__main__":
    main()

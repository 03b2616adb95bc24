#pragma once
#include <string>
#include <vector>

namespace geo {

class Shape {
public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
    std::string name() const { return "shape"; }
};

struct Point {
    double x, y;
};

template <typename T>
T twice(T v) { return v + v; }

enum class Kind { Circle, Square };

using Points = std::vector<Point>;

}  // namespace geo

#pragma once
#include "shape.hpp"

namespace geo {
class Circle : public Shape {
public:
    explicit Circle(double r) : r_(r) {}
    double area() const override;
private:
    double r_;
};
Circle make_circle(double r);
}

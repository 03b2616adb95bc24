#include "shape.hpp"
#include "circle.h"

namespace geo {

double Circle::area() const {
    return 3.14159 * r_ * r_;
}

Circle make_circle(double r) {
    return Circle(r);
}

}  // namespace geo

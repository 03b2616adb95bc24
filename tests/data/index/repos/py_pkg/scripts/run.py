import os, sys
import shapes.circle
from shapes import Circle
from shapes.sub import *

print(shapes.circle.unit_circle(), Circle, os.sep, sys.argv)

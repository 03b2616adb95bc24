; C includes: @import.local for `#include "x.h"`, @import.system for `#include <x.h>`;
; @module the path without its delimiters.

(preproc_include path: (string_literal) @module) @import.local

(preproc_include path: (system_lib_string) @module) @import.system

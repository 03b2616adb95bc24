; Identifiers a Python file uses: calls, attribute bases, types, base classes, decorators.

(call
  function: [
    (identifier) @reference.call
    (attribute attribute: (identifier) @reference.call)
  ])

((attribute
  object: (identifier) @reference.attribute)
  (#not-eq? @reference.attribute "self"))

(type (identifier) @reference.type)

(generic_type (identifier) @reference.type)

(class_definition
  superclasses: (argument_list (identifier) @reference.class))

(decorator (identifier) @reference.decorator)

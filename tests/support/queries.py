"""Query trees as plain tuples, for compact expectations in tests."""

from monitor.rules.nodes import And, AtLeast, InField, Lang, Near, Not, Or, Ref, Term


def shape(node: object) -> object:
    """The AST without positions, for compact expectations."""
    match node:
        case Term(words=words, prefix=prefix, exact=exact):
            kind = ("prefix" if prefix else "term") + ("=" if exact is not None else "")
            return (kind, *words)
        case Lang(codes=codes):
            return ("lang", *codes)
        case Ref(name=name):
            return ("@", name)
        case InField(field=field, child=child):
            return (field, shape(child))
        case Not(child=child):
            return ("not", shape(child))
        case And(children=kids):
            return ("and", *map(shape, kids))
        case Or(children=kids):
            return ("or", *map(shape, kids))
        case Near(distance=n, children=kids):
            return ("near", n, *map(shape, kids))
        case AtLeast(count=n, child=child):
            return ("atleast", n, shape(child))
    raise AssertionError(node)

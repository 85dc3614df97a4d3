"""Login lockout with django-axes: what is counted (SPEC §5)."""


def lockout_parameters(request, credentials):
    """One counter per username, across every sign-in path.

    Never by address: SPEC §5 keeps other usernames from the same address unaffected (a ward's
    shared computer must not lock out every nurse on it because one mistyped a password).
    Axes warns (axes.W006) about a static list without the address; it does not about a
    callable, where this reason can be given.
    """
    return ["username"]

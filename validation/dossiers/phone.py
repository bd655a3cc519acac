"""Phone numbers, the candidates' main channel and login: the kernel's one E.164 form (acquis/phones.py), which
the login page needs too, named here where the dossiers have always found it."""

from acquis.phones import INTERNATIONAL, PhoneInvalid, normalise

__all__ = ["INTERNATIONAL", "PhoneInvalid", "normalise"]

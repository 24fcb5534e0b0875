"""The base of every factory: ``ModelFactory[Model]``, so that mypy knows ``UserFactory()`` is a ``User``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import factory

T = TypeVar("T")


class ModelFactory(factory.django.DjangoModelFactory[T]):
    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy's metaclass makes ``Factory()`` return the model instance; say so to mypy.
        def __new__(cls, *args: Any, **kwargs: Any) -> T:  # type: ignore[misc]
            ...

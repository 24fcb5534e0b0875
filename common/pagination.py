from typing import Any

from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """Limit/offset pages of at most 1,000 rows; an offset past any real list is read as the end."""

    default_limit = 100
    max_limit = 1000
    max_offset = 2**31 - 1

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), self.max_offset)

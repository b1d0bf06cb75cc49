"""Template tags other apps' pages use to show supervision records linked to theirs."""

from __future__ import annotations

from typing import Any

from django import template

from ytcs.supervision import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def proposal_directives(context: dict[str, Any], proposal: Any) -> list:
    """The directives linking an investment proposal, among those the page's viewer sees."""
    request = context.get("request")
    if request is None or proposal is None:
        return []
    return list(selectors.proposal_directives(user=request.user, proposal=proposal))

"""Keep a screen's keys in their declared order after a keymap remaps some of them.

Textual's keymap re-adds a remapped binding at the end of the screen's bindings, so the footer
would move that key to its end; screens that mix this in keep each key in its place."""

from __future__ import annotations

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen


class KeepBindingOrder(Screen):  # type: ignore[type-arg]
    """A screen whose bindings stay in ``BINDINGS`` order when remapped."""

    @property
    def _binding_chain(self) -> list[tuple[DOMNode, BindingsMap]]:
        chain = super()._binding_chain
        order = {b.id: n for n, b in enumerate(self.BINDINGS) if isinstance(b, Binding) and b.id}
        last = len(order)
        for node, bindings_map in chain:
            if node is self:
                items = sorted(bindings_map.key_to_bindings.items(),
                               key=lambda kv: min((order.get(b.id, last) for b in kv[1]), default=last))
                bindings_map.key_to_bindings = dict(items)
        return chain

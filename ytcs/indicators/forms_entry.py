"""Forms of the data-entry pages: the entry grid (one input per data element × option combo, a comment per row)
and the lock-exception form. Values are parsed and saved by the services; the grid only maps inputs to cells,
keeps what was typed and places the service's errors beside their cells."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ytcs.indicators import periods as P
from ytcs.indicators.models import CategoryOptionCombo, DataElement, DataValue
from ytcs.indicators.selectors_entry import FormLayout
from ytcs.indicators.services import format_value, parse_value

VALUE_PREFIX = "v."
COMMENT_PREFIX = "c."


@dataclass
class Cell:
    """One input: a data element × option combo; `text` is what is shown (typed, or the stored value)."""

    element: DataElement
    combo: CategoryOptionCombo
    text: str
    stored: DataValue | None
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """As the services name a cell in their errors: "DE_CODE.COC_CODE"."""
        return f"{self.element.code}.{self.combo.code}"

    @property
    def name(self) -> str:
        return VALUE_PREFIX + self.key

    @property
    def dom_id(self) -> str:
        return "v-" + self.key.replace(".", "-")


@dataclass
class Row:
    """A data element's line of the form: its cells (one, or one per option combo), a comment and the total."""

    element: DataElement
    cells: list[Cell]
    comment: str
    errors: list[str] = field(default_factory=list)

    @property
    def disaggregated(self) -> bool:
        return not self.element.category_combo.is_default

    @property
    def comment_name(self) -> str:
        return COMMENT_PREFIX + self.element.code

    @property
    def usual_range(self) -> str:
        low, high = self.element.min_value, self.element.max_value
        if low is None and high is None:
            return ""
        return f"{format_value(low) if low is not None else '…'}–{format_value(high) if high is not None else '…'}"

    @property
    def min_text(self) -> str:
        return format_value(self.element.min_value)

    @property
    def max_text(self) -> str:
        return format_value(self.element.max_value)

    @property
    def total(self) -> str:
        """The sum of the cells that hold a number (shown beside a disaggregated row, kept live by the script)."""
        found = []
        for cell in self.cells:
            try:
                value = parse_value(self.element, cell.text)
            except ValidationError:
                continue
            if value is not None:
                found.append(value)
        return format_value(sum(found)) if found else ""

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(c.errors for c in self.cells)


@dataclass
class Section:
    name: str
    rows: list[Row]


class EntryGrid:
    """The entry form of a data set for one unit and period: built from the layout and the stored values, and,
    after a post, from what was typed (which it keeps whatever happens)."""

    def __init__(self, layout: FormLayout, stored: dict[tuple[int, int], DataValue], data: Any = None) -> None:
        self.data = data
        self.errors: list[str] = []
        self.sections: list[Section] = []
        self.rows: list[Row] = []
        for member in layout.members:
            element = member.data_element
            cells = []
            for combo in layout.cells_of(element):
                value = stored.get((element.pk, combo.pk))
                cell = Cell(element, combo, format_value(value.value) if value else "", value)
                if data is not None and cell.name in data:
                    cell.text = str(data.get(cell.name, "")).strip()
                cells.append(cell)
            comment = next((c.stored.comment for c in cells if c.stored and c.stored.comment), "")
            row = Row(element, cells, comment)
            if data is not None and row.comment_name in data:
                row.comment = str(data.get(row.comment_name, "")).strip()[:500]
            self.rows.append(row)
            if not self.sections or self.sections[-1].name != member.section:
                self.sections.append(Section(member.section, []))
            self.sections[-1].rows.append(row)
        self._cells = {cell.key: cell for row in self.rows for cell in row.cells}

    # -------------------------------------------------------------------------------------------- posted data

    def _posted_cells(self) -> list[tuple[Row, Cell]]:
        """Cells whose input was posted (a cell added to the data set after the page was loaded is left alone)."""
        return [(row, cell) for row in self.rows for cell in row.cells if cell.name in (self.data or {})]

    def values(self) -> dict[tuple[int, int], str]:
        """What was typed per (data element id, option combo id), "" for an emptied cell (which deletes)."""
        return {(cell.element.pk, cell.combo.pk): cell.text for _row, cell in self._posted_cells()}

    def comments(self) -> dict[tuple[int, int], str]:
        """A row's comment is stored on its first cell holding a value; its other cells carry none."""
        out: dict[tuple[int, int], str] = {}
        for row in self.rows:
            if row.comment_name not in (self.data or {}):
                continue
            holder = next((c for c in row.cells if c.text), None)
            for cell in row.cells:
                out[(cell.element.pk, cell.combo.pk)] = row.comment if cell is holder else ""
        return out

    def overrides(self) -> dict[tuple[int, int], float | None]:
        """The typed values that parse (for the rule check while typing); cells that do not are left out."""
        out: dict[tuple[int, int], float | None] = {}
        for _row, cell in self._posted_cells():
            try:
                out[(cell.element.pk, cell.combo.pk)] = parse_value(cell.element, cell.text)
            except ValidationError:
                continue
        return out

    def check_comments(self) -> bool:
        """A comment needs a value in its row to be stored on: name the rows where it has none."""
        ok = True
        for row in self.rows:
            if row.comment and row.comment_name in (self.data or {}) and not any(c.text for c in row.cells):
                row.errors.append(_("%(element)s: a comment needs a value in the row.") % {"element": row.element.name})
                ok = False
        return ok

    def check_cells(self) -> bool:
        """Parse every posted cell as the save would, naming the bad ones beside them (used when another problem
        stops the save, so every problem is shown at once)."""
        ok = True
        for row, cell in self._posted_cells():
            try:
                parse_value(cell.element, cell.text)
            except ValidationError as exc:
                label = row.element.name if not row.disaggregated else f"{row.element.name} — {cell.combo.name}"
                cell.errors.append(f"{label}: {' '.join(exc.messages)}")
                ok = False
        return ok

    def add_errors(self, error: ValidationError) -> None:
        """Place a service's errors: "DE.COC" keys beside their cell, the rest above the form."""
        if not hasattr(error, "error_dict"):
            self.errors.extend(error.messages)
            return
        for key, messages in error.message_dict.items():
            cell = self._cells.get(key)
            if cell is not None:
                cell.errors.extend(messages)
            else:
                self.errors.extend(
                    messages if key in ("__all__", NON_FIELD_ERRORS) else [f"{key}: {m}" for m in messages]
                )

    @property
    def all_errors(self) -> list[str]:
        """Every problem, those shown beside a row or a cell included (listed above the form too)."""
        out = list(self.errors)
        for row in self.rows:
            out += row.errors
            for cell in row.cells:
                out += cell.errors
        return out


# ---------------------------------------------------------------------------------------------- lock exceptions


class LockExceptionForm(forms.Form):
    """Reopen a closed period of a data set for a unit (and the units under it)."""

    data_set = forms.ChoiceField(label=_lazy("Data set"))
    orgunit = forms.CharField(
        label=_lazy("Unit (code)"),
        max_length=50,
        help_text=_lazy("The units under it are reopened too."),
        widget=forms.TextInput(attrs={"list": "unit-options", "autocomplete": "off"}),
    )
    period = forms.CharField(
        label=_lazy("Period"),
        max_length=8,
        help_text=_lazy("202501 (month), 2025Q1 (quarter) or 2025 (year)."),
    )
    reason = forms.CharField(label=_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, data_sets: list[Any], unit_lookup: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._data_sets = {ds.code: ds for ds in data_sets}
        self._unit_lookup = unit_lookup
        self.fields["data_set"].choices = [(ds.code, f"{ds.name} ({ds.code})") for ds in data_sets]

    def clean_data_set(self) -> Any:
        return self._data_sets[self.cleaned_data["data_set"]]

    def clean_orgunit(self) -> Any:
        code = self.cleaned_data["orgunit"].strip()
        unit = self._unit_lookup(code)
        if unit is None:
            raise ValidationError(_("No unit with code %(code)s in your scope.") % {"code": code})
        return unit

    def clean_period(self) -> P.Period:
        return P.parse(self.cleaned_data["period"].strip())

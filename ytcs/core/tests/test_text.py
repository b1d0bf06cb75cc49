import pytest

from ytcs.core.text import fold, search_tokens


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Thu Hà", "nguyen thu ha"),
        ("Trạm Y tế xã Đồng Tâm", "tram y te xa dong tam"),
        ("  ĐIỆN   TÂM ĐỒ ", "dien tam do"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_strips_vietnamese_diacritics(text, folded):
    assert fold(text) == folded


def test_search_tokens_split_on_spaces():
    assert search_tokens(" Trạm  y tế ") == ["tram", "y", "te"]

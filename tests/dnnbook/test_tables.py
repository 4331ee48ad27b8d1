import pytest

from dnnbook.tables import markdown_table


def test_markdown_table_has_one_row_per_result_and_refuses_ragged_rows():
    table = markdown_table(["init", "accuracy"], [["He", 0.91], ["Xavier", 0.5]])
    assert table.splitlines() == ["| init | accuracy |", "|---|---|", "| He | 0.91 |", "| Xavier | 0.5 |"]
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        markdown_table(["init", "accuracy"], [["He"]])

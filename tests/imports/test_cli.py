"""`helpdesk import …` as an operator runs it: summary, rejects file, dry run, and one clear line for a bad file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from tests.imports.conftest import new_phone, write_csv


@pytest.fixture
def files(cli_env):
    write_csv(cli_env / "catalogue.csv", ["sku", "name", "brand", "category", "model_number", "warranty_months"],
              [["TV-1", "Smart TV", "Voltas", "TV", "TV43", "24"], ["AC-1", "Split AC", "Voltas", "AC", "AC15", "12"]])
    write_csv(cli_env / "sales.csv", ["order_number", "store", "purchased_on", "full_name", "phone", "sku", "quantity",
                                      "unit_price"],
              [["A-1", "Pune", "2024-01-15", "Asha", new_phone(), "TV-1", "1", "30000"],
               ["A-1", "Pune", "2024-01-15", "", "", "AC-1", "2", "40000"],
               ["A-2", "Pune", "2024-01-16", "Ravi", "12345", "TV-1", "1", "30000"]])
    return cli_env


def test_import_commands_report_counts_and_the_rejects_file(files):
    runner = CliRunner()
    products = runner.invoke(main, ["import", "products", "catalogue.csv"])
    assert products.exit_code == 0, products.output
    assert "imported 2 rows" in products.output

    result = runner.invoke(main, ["import", "purchases", "sales.csv"])

    assert result.exit_code == 0, result.output
    assert "imported 2 rows (1 purchases, 1 new customers), skipped 0 already present, rejected 1" in result.output
    assert "sales.rejects.csv" in result.output
    rejects = (files / "sales.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0] == "row,column,reason" and rejects[1].startswith("4,phone,")

    again = runner.invoke(main, ["import", "purchases", "sales.csv", "--quiet"])
    assert "imported 0 rows (0 purchases, 0 new customers), skipped 2 already present, rejected 1" in again.output


def test_dry_run_shows_rows_and_errors_and_writes_nothing(files):
    runner = CliRunner()
    runner.invoke(main, ["import", "products", "catalogue.csv"])
    result = runner.invoke(main, ["import", "purchases", "sales.csv", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "First 1 parsed rows:" in result.output and "order A-1 at Pune" in result.output
    assert "error: row 4, phone:" in result.output
    assert "Dry run, nothing written" in result.output and "would import 2 rows" in result.output
    assert not (files / "sales.rejects.csv").exists()
    real = runner.invoke(main, ["import", "purchases", "sales.csv"])
    assert "imported 2 rows" in real.output  # the dry run wrote nothing


@pytest.mark.parametrize(("content", "message"), [
    ("order_number,store\nA-1,Pune\n".encode(), "the file has no column for: purchased_on"),
    ("order_number,store,purchased_on,sku,unit_price\nA-1,Pun\xe9,2024-01-01,TV-1,10\n".encode("latin-1"),
     "is not UTF-8 text"),
    (b"", "has no header row"),
])
def test_a_file_that_cannot_be_read_is_one_clear_line(files, content, message):
    (files / "bad.csv").write_bytes(content)
    result = CliRunner().invoke(main, ["import", "purchases", "bad.csv"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ") and message in result.output


@pytest.mark.parametrize("kind", ["purchases", "products", "customers"])
def test_import_commands_have_help(kind):
    result = CliRunner().invoke(main, ["import", kind, "--help"])
    assert result.exit_code == 0 and "--dry-run" in result.output and "--rejects" in result.output

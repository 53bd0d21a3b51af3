"""The bad-file corpus: every case is generated from a small valid input (test/data/cur/sept.csv, 8 legacy CUR line
items of 2024-09, or the minimal FOCUS file below), so the corpus stays tiny in the repository and each case differs
from a valid file by exactly the defect it is named after. Used by test_bad_files.py (and its inputs by
test_fuzz_files.py)."""
import csv
import gzip
import io
import json
import os
import random
import zipfile
from dataclasses import dataclass, field

import duckdb

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEPT = os.path.join(REPO, "test", "data", "cur", "sept.csv")
MIB = 1 << 20


def sept_bytes():
    with open(SEPT, "rb") as f:
        return f.read()


def sept_table():
    """sept.csv as (header, rows), rows being lists of fields."""
    rows = list(csv.reader(io.StringIO(sept_bytes().decode())))
    return rows[0], rows[1:]


def to_csv(header, rows, delimiter=",", lineterminator="\n"):
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode()


def cur(mutate=None, **kw):
    """sept.csv re-serialized after `mutate(header, rows)` (which edits them in place)."""
    header, rows = sept_table()
    if mutate:
        mutate(header, rows)
    return to_csv(header, rows, **kw)


def set_field(column, value, row=1):
    """A mutation: sets `column` of record `row` (0-based; record 1 is sept.csv's line 3) to `value`."""
    def m(header, rows):
        rows[row][header.index(column)] = value
    return m


def set_column(column, value):
    def m(header, rows):
        i = header.index(column)
        for r in rows:
            r[i] = value
    return m


COST = "lineItem/UnblendedCost"

# A minimal valid FOCUS 1.0 file: one provider, account and period (2024-09), 4 charges.
FOCUS_HEADER = ["ProviderName", "BillingAccountId", "BillingPeriodStart", "BillingPeriodEnd", "SubAccountId",
                "ChargeCategory", "ChargeDescription", "ChargePeriodStart", "ChargePeriodEnd", "ResourceId",
                "ServiceName", "RegionId", "ConsumedQuantity", "ConsumedUnit", "BilledCost", "EffectiveCost",
                "ListCost", "BillingCurrency", "Tags"]
FOCUS_ROWS = [
    ["AWS", "999988887777", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "111122223333", "Usage",
     "NAT gateway hours", "2024-09-01T00:00:00Z", "2024-09-02T00:00:00Z", "nat-0aaa", "Amazon VPC", "us-east-1",
     "0", "Hrs", "1.08", "1.08", "1.08", "USD", '{"team":"a"}'],
    ["AWS", "999988887777", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "111122223333", "Usage",
     "t3.micro hours", "2024-09-01T00:00:00Z", "2024-09-02T00:00:00Z", "i-0active", "Amazon EC2", "us-east-1",
     "24", "Hrs", "0.2496", "0.2496", "0.2496", "USD", '{"team":"b"}'],
    ["AWS", "999988887777", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "111122223333", "Tax",
     "Tax", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "", "Amazon EC2", "",
     "", "", "0.25", "0.25", "0.25", "USD", ""],
    ["AWS", "999988887777", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "111122223333", "Credit",
     "Credit", "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "", "Amazon EC2", "",
     "", "", "-0.10", "-0.10", "-0.10", "USD", ""],
]


def focus(mutate=None):
    header, rows = list(FOCUS_HEADER), [list(r) for r in FOCUS_ROWS]
    if mutate:
        mutate(header, rows)
    return to_csv(header, rows)


def drop_column(column):
    def m(header, rows):
        i = header.index(column)
        del header[i]
        for r in rows:
            del r[i]
    return m


def via_duckdb(sql_to, *params):
    """Runs a COPY ... TO '{out}' through a plain duckdb connection (no cbh) and returns the bytes written."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out")
        con = duckdb.connect()
        try:
            con.execute(sql_to.replace("{out}", out), list(params))
        finally:
            con.close()
        with open(out, "rb") as f:
            return f.read()


def sept_parquet():
    """sept.csv as Parquet, all columns VARCHAR, CSV column names (the way a user might convert it)."""
    return via_duckdb("COPY (SELECT * FROM read_csv($1, all_varchar = true)) TO '{out}' (FORMAT parquet)", SEPT)


ATHENA = {  # legacy CUR in Athena/Parquet form, from the CSV names
    "bill/PayerAccountId": "bill_payer_account_id", "bill/BillingPeriodStartDate": "bill_billing_period_start_date",
    "bill/BillingPeriodEndDate": "bill_billing_period_end_date",
    "lineItem/UsageAccountId": "line_item_usage_account_id", "lineItem/LineItemType": "line_item_line_item_type",
    "lineItem/UsageStartDate": "line_item_usage_start_date", "lineItem/UsageEndDate": "line_item_usage_end_date",
    "lineItem/ProductCode": "line_item_product_code", "lineItem/ResourceId": "line_item_resource_id",
    "lineItem/UsageAmount": "line_item_usage_amount", "lineItem/CurrencyCode": "line_item_currency_code",
    "lineItem/UnblendedCost": "line_item_unblended_cost",
}


def athena_parquet(**replace):
    """sept.csv in Athena Parquet form (cost as DECIMAL); keyword arguments replace a column by an SQL expression."""
    replace.setdefault("line_item_unblended_cost", "line_item_unblended_cost::DECIMAL(18, 10)")
    cols = ", ".join(f'"{src}" AS {dst}' for src, dst in ATHENA.items())
    repl = ", ".join(f"{expr} AS {col}" for col, expr in replace.items())
    return via_duckdb(f"COPY (SELECT * REPLACE ({repl}) FROM (SELECT {cols} FROM read_csv($1, all_varchar = true))) "
                      "TO '{out}' (FORMAT parquet)", SEPT)


def zstd_of(data):
    """zstd-compressed bytes made by duckdb (there is no zstd module in the venv)."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.csv")
        with open(src, "wb") as f:
            f.write(data)
        return via_duckdb("COPY (SELECT * FROM read_csv($1, all_varchar = true)) TO '{out}' "
                          "(FORMAT csv, HEADER, COMPRESSION zstd)", src)


def gz(data):
    return gzip.compress(data, mtime=0)


def zipped(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return buf.getvalue()


def junk(n, seed=1):
    return random.Random(seed).randbytes(n)


def ten_thousand_columns():
    header, rows = sept_table()
    extra = [f"resourceTags/user:t{i}" for i in range(10000)]
    return to_csv(header + extra, [r + [""] * len(extra) for r in rows])


def one_mib_field():
    return cur(set_field("lineItem/ResourceId", "r" * MIB))


def duplicated_header():
    """Two columns named lineItem/UnblendedCost, with different values: which one is the cost?"""
    def m(header, rows):
        header.append(COST)
        for r in rows:
            r.append("1000")
    return cur(m)


def sept_variant():
    """sept.csv with one line item ID changed: valid, but not the same bytes (the same bytes would be `skipped`)."""
    return cur(set_field("identity/LineItemId", "l1-variant", row=0))


def extra_column(name, value="1000"):
    def m(header, rows):
        header.append(name)
        for r in rows:
            r.append(value)
    return m


def text_lines(data):
    return data.decode().splitlines(keepends=True)


def truncated_last_line():
    data = sept_bytes().rstrip(b"\n")
    return data[: data.rfind(b"\n") + 60]  # the last record cut after 60 bytes, no newline


def unterminated_quote():
    lines = text_lines(sept_bytes())
    lines[3] = lines[3].replace(",nat-0", ',"nat-0', 1) if ",nat-0" in lines[3] else lines[3].replace(",i-0", ',"i-0', 1)
    return "".join(lines).encode()


def extra_field_row():
    lines = text_lines(sept_bytes())
    lines[4] = lines[4].rstrip("\n") + ",surplus\n"
    return "".join(lines).encode()


def too_few_fields_row():
    lines = text_lines(sept_bytes())
    lines[4] = lines[4].rstrip("\n").rsplit(",", 3)[0] + "\n"
    return "".join(lines).encode()


def concatenated():
    """Two exports concatenated with cat: the second header becomes a line item."""
    return sept_bytes() + sept_bytes()


def invalid_utf8():
    return sept_bytes().replace(b"nat-0aaa", b"nat-\xff\xfe\xc3", 1)


def nul_bytes():
    return sept_bytes().replace(b"i-0active", b"i-0\x00act\x00ive", 1)


def utf16_excel():
    """Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated."""
    header, rows = sept_table()
    return b"\xff\xfe" + to_csv(header, rows, delimiter="\t", lineterminator="\r\n").decode().encode("utf-16-le")


def html_error_page():
    return (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
            b"<Message>Access Denied</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>\n")


def legacy_manifest(keys):
    return json.dumps({
        "assemblyId": "00000000-0000-4000-8000-00000000abcd", "account": "999988887777",
        "reportName": "cbh-report", "bucket": "cbh-bucket", "reportKeys": keys,
        "billingPeriod": {"start": "20240901T000000.000Z", "end": "20241001T000000.000Z"},
        "compression": "GZIP", "contentType": "text/csv",
    }).encode()


@dataclass
class Case:
    name: str
    filename: str
    content: object  # a callable returning the file's bytes
    expect: tuple  # the error must contain one of these (case-insensitive)
    why: str = ""  # what is wrong, for the report
    extra: dict = field(default_factory=dict)  # other files to write beside it: name -> bytes


CASES = [
    # --- not a CSV at all / container problems
    Case("empty", "empty.csv", lambda: b"", ("is empty", "0 bytes"), "0 bytes"),
    Case("header_only", "header_only.csv", lambda: sept_bytes().split(b"\n")[0] + b"\n", ("has no line items",)),
    Case("binary_junk", "junk.csv", lambda: junk(4096), ("cannot be read as CSV", "not a billing export", "NUL byte")),
    Case("html_error_page", "AccessDenied.csv", html_error_page, ("not a billing export",),
         "an S3 error document saved instead of the export"),
    Case("not_gzip", "sept.csv.gz", sept_variant, ("is named like a gzip file but is not gzip-compressed",),
         "plain CSV named .gz"),
    Case("truncated_gzip", "cut.csv.gz", lambda: gz(sept_bytes())[:300], ("is not a complete gzip file",),
         "gzip stream cut in the middle"),
    Case("gzip_of_junk", "junk.csv.gz", lambda: gz(junk(4096, 2)), ("cannot be read as CSV", "not a billing export")),
    Case("not_zstd", "sept.csv.zst", sept_variant, ("is named like a zstd file but is not zstd-compressed", "not zstd"),
         "plain text named .zst"),
    Case("truncated_zstd", "cut.csv.zst", lambda: zstd_of(sept_bytes())[:200], ("truncated", "cannot be read", "cut short"),
         "zstd stream cut in the middle"),
    Case("zip_archive", "sept.csv.zip", lambda: zipped("sept.csv", sept_bytes()), ("is a ZIP archive",)),
    Case("zip_named_gz", "sept.csv.gz", lambda: zipped("sept.csv", sept_bytes()), ("is a ZIP archive",),
         "a ZIP archive named .gz"),
    Case("not_parquet", "sept.parquet", sept_variant, ("is named like a Parquet file but is not one",)),
    Case("truncated_parquet", "cut.parquet", lambda: sept_parquet()[:len(sept_parquet()) // 2],
         ("cannot be read as Parquet",)),
    Case("parquet_unrelated_columns", "other.parquet",
         lambda: via_duckdb("COPY (SELECT range AS id, 'x' || range AS name FROM range(5)) TO '{out}' (FORMAT parquet)"),
         ("is not a billing export cbh knows",), "a Parquet file with a wrong schema"),
    Case("parquet_junk_cost", "athena.parquet", lambda: athena_parquet(line_item_unblended_cost="'ten cents'"),
         ("is not an amount",), "Athena Parquet whose cost column is text"),
    Case("parquet_integer_dates", "athena-dates.parquet",
         lambda: athena_parquet(line_item_usage_start_date="42"),
         ("is not a timestamp",), "Athena Parquet with integer usage dates"),
    Case("parquet_invalid_utf8_column_name", "badname.parquet",
         lambda: athena_parquet().replace(b"line_item_product_code", b"line_item_product_cod\xff"),
         ("cannot be read as Parquet", "unicode", "UTF-8"), "a column name that is not UTF-8 (found by the fuzzer)"),
    # --- CSV dialect and encoding
    Case("wrong_delimiter_semicolon", "semicolons.csv", lambda: cur(delimiter=";"),
         ("not a billing export",), "';' instead of ','"),
    Case("wrong_delimiter_tab", "tabs.csv", lambda: cur(delimiter="\t"), ("not a billing export",)),
    Case("utf16_excel_unicode_text", "excel.txt.csv", utf16_excel, ("cannot be read as CSV", "not a billing export",
                                                                     "UTF-16"),
         "Excel 'Unicode Text': UTF-16LE with BOM, tabs"),
    Case("invalid_utf8", "latin.csv", invalid_utf8,
         ("line 2, column 12 ('lineItem/ResourceId'): cannot be read as CSV: the text is not UTF-8",)),
    Case("nul_bytes", "nul.csv", nul_bytes, ("NUL", "cannot be read as CSV", "unicode"), "NUL bytes in a field"),
    Case("truncated_last_line", "truncated.csv", truncated_last_line,
         ("line 9: cannot be read as CSV: the line has 4 fields where the header has 18 (is the line",),
         "the download stopped mid-line"),
    Case("unterminated_quote", "quote.csv", unterminated_quote,
         ("cannot be read as CSV: DuckDB finds no consistent comma-separated layout in it (a quoted value",)),
    Case("row_with_extra_field", "extra.csv", extra_field_row,
         ("line 5: cannot be read as CSV: the line has 19 fields where the header has 18 (a value with an unquoted",)),
    Case("row_with_too_few_fields", "short.csv", too_few_fields_row,
         ("line 5: cannot be read as CSV: the line has 15 fields where the header has 18",)),
    Case("concatenated_exports", "twice.csv", concatenated, ("is not a timestamp", "is not an amount"),
         "cat a.csv a.csv: the second header is a line item"),
    # --- columns
    Case("duplicated_header", "dup.csv", duplicated_header, ("twice", "duplicate"),
         "lineItem/UnblendedCost twice"),
    Case("duplicated_header_other_case", "dup-case.csv", lambda: cur(extra_column("LineItem/UnblendedCost")),
         ("twice", "duplicate"), "'LineItem/UnblendedCost' beside 'lineItem/UnblendedCost': one column to cbh"),
    Case("duplicated_header_other_spelling", "dup-spelling.csv", lambda: cur(extra_column("line_item_unblended_cost")),
         ("twice", "duplicate"), "the Athena spelling beside the CSV one: one column to cbh"),
    Case("missing_required_column", "nostart.csv", lambda: cur(drop_column("lineItem/UsageStartDate")),
         ("has no column 'lineItem/UsageStartDate'",)),
    Case("missing_cost_column", "nocost.csv", lambda: cur(drop_column(COST)), ("has no column 'lineItem/UnblendedCost'",)),
    Case("ten_thousand_columns", "wide.csv", ten_thousand_columns, ("has 10018 columns; cbh takes at most 2000",)),
    Case("one_mib_field", "long.csv", one_mib_field, ("longer than",), "a 1,048,576-byte resource id"),
    # --- values
    Case("non_numeric_cost", "cost-text.csv", lambda: cur(set_field(COST, "12abc")), ("'12abc' is not an amount",)),
    Case("nan_cost", "nan.csv", lambda: cur(set_field(COST, "NaN")), ("'NaN' is not an amount",)),
    Case("infinity_cost", "inf.csv", lambda: cur(set_field(COST, "Infinity")), ("'Infinity' is not an amount",)),
    Case("garbage_exponent_cost", "exp.csv", lambda: cur(set_field(COST, "1.5e3e2")), ("'1.5e3e2' is not an amount",)),
    Case("overflowing_cost", "huge.csv", lambda: cur(set_field(COST, "1e400")), ("'1e400' is not an amount",),
         "does not fit DECIMAL(38,18)"),
    Case("absurd_negative_cost", "neg.csv", lambda: cur(set_field(COST, "-1e19")), ("implausible",),
         "-1e19 USD fits DECIMAL(38,18) but no bill has it"),
    Case("cost_past_20_integer_digits", "neg20.csv", lambda: cur(set_field(COST, "-1e20")), ("under 10^20",),
         "does not fit DECIMAL(38,18)"),
    Case("absurd_positive_cost", "pos.csv", lambda: cur(set_field(COST, "1000000000000000")), ("implausible",),
         "1e15 USD"),
    Case("costs_overflow_the_sum", "overflow.csv",
         lambda: cur(lambda h, r: [set_field(COST, "99999999999999999999.5", i)(h, r) for i in (0, 1)]),
         ("implausible", "overflow", "does not fit"),
         "each cost fits DECIMAL(38,18), their sum does not (found by the fuzzer, then with 26 integer digits)"),
    Case("usage_overflows_the_sum", "usage-overflow.csv",
         lambda: cur(lambda h, r: [set_field("lineItem/UsageAmount", "9" * 20, i)(h, r) for i in (0, 1)]),
         ("implausible", "overflow", "does not fit"),
         "each usage fits DECIMAL(38,18), the resource's sum in Gold does not"),
    Case("thousands_separator_cost", "comma.csv", lambda: cur(set_field(COST, "1,234.50")),
         ("'1,234.50' is not an amount",), "a quoted '1,234.50'"),
    Case("currency_symbol_cost", "dollar.csv", lambda: cur(set_field(COST, "$0.045")), ("'$0.045' is not an amount",)),
    Case("too_precise_usage", "usage.csv", lambda: cur(set_field("lineItem/UsageAmount", "0." + "0" * 18 + "1")),
         ("is not a quantity",)),
    Case("unparseable_date", "date.csv", lambda: cur(set_field("lineItem/UsageStartDate", "2024-13-45T25:61:00Z")),
         ("'2024-13-45T25:61:00Z' is not a timestamp",)),
    Case("unparseable_period", "period.csv", lambda: cur(set_column("bill/BillingPeriodStartDate", "September 2024")),
         ("is not a timestamp", "billing period")),
    Case("empty_payer_account", "nopayer.csv", lambda: cur(set_column("bill/PayerAccountId", "")),
         ("payer", "PayerAccountId")),
    Case("several_billing_periods", "periods.csv",
         lambda: cur(set_field("bill/BillingPeriodStartDate", "2024-10-01T00:00:00.000Z", row=7)),
         ("holds 2 billing periods",)),
    Case("several_payer_accounts", "payers.csv", lambda: cur(set_field("bill/PayerAccountId", "123456789012", row=7)),
         ("holds 2 payer accounts",)),
    Case("usage_outside_period", "november.csv",
         lambda: cur(lambda h, r: (set_field("lineItem/UsageStartDate", "2024-11-03T00:00:00Z", 2)(h, r),
                                   set_field("lineItem/UsageEndDate", "2024-11-03T01:00:00Z", 2)(h, r))),
         ("outside the billing period",), "a 2024-11 usage line in the 2024-09 bill"),
    Case("sql_in_file_name", "x'); DROP TABLE y; --.csv", lambda: cur(set_field(COST, "12abc")),
         ("'12abc' is not an amount",), "a hostile file name, bad content"),
    # --- FOCUS
    Case("focus_missing_billedcost", "focus-nobilled.csv", lambda: focus(drop_column("BilledCost")),
         ("has no column 'BilledCost'",)),
    Case("focus_junk_cost", "focus-cost.csv", lambda: focus(set_field("BilledCost", "lots", 0)),
         ("'lots' is not an amount",)),
    Case("focus_tags_not_json", "focus-tags.csv", lambda: focus(set_field("Tags", "team=a", 1)),
         ("is not a JSON object",)),
    Case("focus_empty_billing_account", "focus-noacct.csv", lambda: focus(set_column("BillingAccountId", "")),
         ("BillingAccountId", "billing account")),
    # --- manifests
    Case("manifest_invalid_json", "cbh-report-Manifest.json", lambda: b'{"reportKeys": ["a.csv.gz",',
         ("cannot be read as a billing export manifest",)),
    Case("manifest_lists_nothing", "empty-Manifest.json", lambda: b'{"reportName": "cbh-report"}',
         ("lists no data files",)),
    Case("manifest_missing_file", "cbh-report-Manifest.json",
         lambda: legacy_manifest(["prefix/cbh-report/20240901-20241001/00000000-0000-4000-8000-00000000abcd/"
                                  "cbh-report-00001.csv.gz"]),
         ("cbh-report-00001.csv.gz",), "lists a part that is not there"),
]

def by_name():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    return {c.name: c for c in CASES}


def write_case(case, folder):
    """Writes the case's file (and any extra files) into folder; returns the path to ingest."""
    os.makedirs(folder, exist_ok=True)
    for name, data in case.extra.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
    path = os.path.join(folder, case.filename)
    with open(path, "wb") as f:
        f.write(case.content())
    return path

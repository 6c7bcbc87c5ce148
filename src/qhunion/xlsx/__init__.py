"""The workbooks qhunion writes, with xlsxwriter: the annotated workbook (`workbook`, its row sheets rendered
by `sheetxml`), the summary workbook (`summarybook`), the blank survey template (`template`); one page
setup and fitted widths (`sheetprint`) and one set of cell styles (`styles`) shared by all of them."""

"""qhunion: survey intake, union-formation decisions and progress summaries for the Qinghai Provincial
Federation of Trade Unions, under 青总办〔2018〕19号."""

__version__ = "0.1.0"

"""The claims ledger's parts beyond loading (effbench.claims): what kind of evidence each row is
(evidence), how many trained seeds a cell rests on (seeds), which rows read one measurement (cells)
and the page that counts them (page)."""

"""The claims ledger's parts beyond loading (effbench.claims): what kind of evidence each row is
(evidence), which rows read one measurement (cells) and the page that counts them (page)."""

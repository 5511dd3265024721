"""The grammar files of ctpx, shipped inside the package (see grammars/ctp.lark)."""

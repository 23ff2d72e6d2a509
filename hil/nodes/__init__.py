"""Node bindings: each maps one pure model to its DBC messages (RxView -> Inputs, Outputs -> Tx)."""

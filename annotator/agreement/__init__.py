"""Agreement between annotators: pure measures and adjudication logic.

No Textual, no database: callers hand in plain values (reliability data, spans per coder)
and get :class:`~annotator.agreement.result.Figure` objects back, each with the number of
units it rests on and a warning when that is too few.

- ``coding``: percent agreement, Cohen's kappa, Scott's pi, Fleiss' kappa, Krippendorff's
  alpha (nominal, ordinal, interval, ratio) with missing values.
- ``spans``: token-level alpha (O included) and pairwise span F1 (exact, overlap).
- ``unitizing``: Krippendorff's alpha_u over character positions.
- ``report``: the reports behind ``annotator agree`` (dataset, --table, --units).
- ``csv_input``: reading reliability data from CSV (InputError with file and line).
- ``adjudicate``: comparing versions, unanimity, majority merge, gold from a version.
"""

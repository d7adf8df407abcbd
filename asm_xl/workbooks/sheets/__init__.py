"""The template's sheets, one builder per module: inputs_sheet (Inputs), score (Score), scenarios
(Scenarios), reference (Assumptions, Benchmarks, Lists, About); style holds the shared formats."""

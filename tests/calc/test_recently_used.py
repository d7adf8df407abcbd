"""The compiled-things store keeps its most recently used entries up to its size."""

from asm_xl.calc.recently_used import RecentlyUsed


def test_the_least_recently_used_entry_goes_first_and_reading_counts_as_a_use():
    kept = RecentlyUsed(maxsize=2)
    kept.put("a", 1)
    kept.put("b", None)          # None is a value (a workbook our evaluator does not support)
    assert kept.get("a") == 1    # "a" is now the most recent
    kept.put("c", 3)
    assert "b" not in kept and "a" in kept and "c" in kept and len(kept) == 2
    assert kept.get("b", "gone") == "gone"
    kept.put("a", 10)            # replacing is a use too
    kept.put("d", 4)
    assert ("c" in kept, kept.get("a"), len(kept)) == (False, 10, 2)


def test_values_are_listed_least_recently_used_first_without_counting_as_a_use():
    kept = RecentlyUsed(maxsize=3)
    for k, v in (("a", 1), ("b", 2), ("c", 3)):
        kept.put(k, v)
    kept.get("a")
    assert kept.values() == [2, 3, 1]
    kept.put("d", 4)             # "b" was least recently used, listing it did not change that
    assert kept.values() == [3, 1, 4]

"""pricing.memo: answer caches bounded in bytes (issue 12 point 1)."""

import threading

from pricing.memo import ByteBoundedLRU, approx_size


def test_it_keeps_the_total_within_the_budget_dropping_the_oldest():
    c = ByteBoundedLRU(100)
    for i in range(10):
        c.put(i, f"v{i}", 30)
    assert c.total <= 100 and len(c) == 3
    assert c.get(9) == "v9" and c.get(0) is None


def test_it_refreshes_recency_on_a_hit_and_never_keeps_an_oversized_entry():
    c = ByteBoundedLRU(100)
    c.put("a", 1, 40)
    c.put("b", 2, 40)
    c.get("a")
    c.put("c", 3, 40)
    assert c.get("a") == 1 and c.get("b") is None
    c.put("huge", 4, 1000)
    assert c.get("huge") is None and c.total <= 100


def test_replacing_a_key_does_not_count_it_twice():
    c = ByteBoundedLRU(100)
    for _ in range(50):
        c.put("k", "v", 60)
    assert c.total == 60 and len(c) == 1


def test_two_threads_keep_the_books_straight():
    c = ByteBoundedLRU(1000)

    def work(offset):
        for i in range(2000):
            c.put((offset, i), i, 7)
            c.get((offset, i - 1))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert c.total == 7 * len(c) <= 1000


def test_approx_size_grows_with_the_number_of_options():
    option = {"id": "runpod:h100", "provider": "runpod", "total_cost": 12.5, "pros": ["fast", "cheap"]}
    small, large = approx_size({"options": [option] * 10}), approx_size({"options": [option] * 1000})
    assert 50 * small < large < 200 * small

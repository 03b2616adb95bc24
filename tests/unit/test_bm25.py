"""BM25 tokenisation and ranking."""

from radix_ls.context.bm25 import BM25, tokens


def test_tokens_split_identifiers_and_drop_noise():
    assert tokens("def getUserName(self, user_id):") == [
        "getusername", "get", "user", "name", "user_id", "user", "id"
    ]  # fmt: skip


def test_ranks_the_document_sharing_rare_terms_first():
    docs = [
        "def parse_header(line): return line.split(':')",
        "def render_page(template, context): return template.render(context)",
        "def parse_body(stream): return stream.read()",
    ]
    index = BM25(docs)
    hits = index.search("template.render(ctx)")
    assert hits[0].index == 1
    assert [h.index for h in index.search("parse")] == [0, 2]  # ties keep corpus order


def test_exclude_and_empty_queries():
    index = BM25(["alpha beta", "alpha gamma"])
    assert [h.index for h in index.search("alpha", exclude=[0])] == [1]
    assert index.search("the if else") == []
    assert BM25([]).search("x") == []


def test_a_query_keeps_its_rarest_terms() -> None:
    """On a large workspace the terms in a quarter of the corpus or more cost most of a search
    and weigh little: they are left out while rarer terms remain, and a long query keeps its
    MAX_QUERY_TERMS rarest terms (in a fixed order, whatever the set's order)."""
    from radix_ls.context.bm25 import MAX_QUERY_TERMS, PRUNE_FROM

    small = BM25(["value = common_name + other", "rare_thing = common_name"])
    assert small._query_terms("common_name rare_thing") == [  # a small corpus: every term
        "rare", "rare_thing", "thing", "common", "common_name", "name"
    ]  # fmt: skip
    filler = [f"filler_{i} = {i}" for i in range(PRUNE_FROM)]
    docs = [f"value = common_name + other_{i}" for i in range(PRUNE_FROM)] + filler
    docs.append("rare_thing = common_name")
    bm25 = BM25(docs)
    assert bm25._query_terms("common_name rare_thing") == ["rare", "rare_thing", "thing"]
    assert bm25._query_terms("common_name") == ["common", "common_name", "name"]  # nothing rarer
    long_query = " ".join(f"other_{i}" for i in range(40))
    kept = bm25._query_terms(long_query)
    assert len(kept) == MAX_QUERY_TERMS and kept == bm25._query_terms(long_query)
    assert [hit.index for hit in bm25.search("common_name rare_thing", limit=1)] == [len(docs) - 1]

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

"""RM data logic: labeler rankings of sampled responses, and their C(K,2) pairs."""

import math

from gpt_assets.prompts.labeler import FileLabeler, Prompt
from gpt_assets.prompts.rankings import comparisons, rank_samples


class ByLength:
    """A labeler that prefers longer responses (deterministic, for the test)."""

    def rank(self, prompt, responses):
        return sorted(range(len(responses)), key=lambda i: -len(responses[i]))


def test_identical_samples_are_ranked_once_and_single_responses_set_aside():
    prompts = [Prompt("a", "Name two colors."), Prompt("b", "Say hi.")]
    samples = [{"responses": ["red", "red and blue", "red", "blue"], "ended": [True, True, True, False]},
               {"responses": ["hi", "hi"], "ended": [True, True]}]
    ranked, unranked = rank_samples(prompts, samples, ByLength(), "train", "sft_model/v1")
    assert ranked.height == 1 and unranked.to_dicts()[0]["reason"] == "fewer_than_2_distinct"
    row = ranked.to_dicts()[0]
    assert row["k_sampled"] == 4 and row["k"] == 3 and row["responses"] == ["red", "red and blue", "blue"]
    assert [row["responses"][i] for i in row["ranking"]] == ["red and blue", "blue", "red"]
    assert row["ended"] == [True, True, False]


def test_comparisons_are_every_pair_best_side_chosen():
    prompts = [Prompt("a", "p"), Prompt("b", "q")]
    samples = [{"responses": ["x", "xxx", "xx", "xxxx"], "ended": [True] * 4},
               {"responses": ["y", "yy"], "ended": [True, True]}]
    ranked, _ = rank_samples(prompts, samples, ByLength(), "val", "sft_model/v1")
    pairs = comparisons(ranked, "sft_samples")
    assert pairs.height == math.comb(4, 2) + 1
    assert (pairs["chosen"].str.len_chars() > pairs["rejected"].str.len_chars()).all()
    assert (pairs["chosen_rank"] < pairs["rejected_rank"]).all() and set(pairs["split"]) == {"val"}


def test_a_files_labeler_without_a_ranking_leaves_the_prompt_unranked(tmp_path):
    ranks = tmp_path / "ranks.jsonl"
    ranks.write_text('{"prompt_id": "a", "responses": ["x", "y"], "ranking": [1, 0]}\n'
                     '{"prompt_id": "c", "responses": ["x", "y"], "ranking": [0, 0]}\n')
    labeler = FileLabeler(rankings=ranks)
    prompts = [Prompt("a", "p"), Prompt("b", "q"), Prompt("c", "r")]
    samples = [{"responses": ["x", "y"], "ended": [True, True]}] * 3
    ranked, unranked = rank_samples(prompts, samples, labeler, "train", "sft_model/v1")
    assert ranked["prompt_id"].to_list() == ["a"] and ranked["ranking"].to_list() == [[1, 0]]
    assert dict(unranked.select("prompt_id", "reason").iter_rows()) == {"b": "no_ranking",
                                                                       "c": "ranking_not_a_permutation"}

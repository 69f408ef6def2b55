"""Claims rules added from error analysis (issue 19): appositives, asides, quotations that go
on after the cue, coordinated cues, adverbs in the cue. Every sentence here is made up."""

from __future__ import annotations

from test_suggest_claims import _attr


def test_a_speakers_appositive_after_the_cue_runs_to_the_sentence_end() -> None:
    spans, rels = _attr('"The rates will rise," said Jane Roe, a banker in Springfield.')
    assert spans == {"CUE": ["said"], "SOURCE": ["Jane Roe, a banker in Springfield"], "CLAIM": ['"The rates will rise,"']}
    assert ("source-of", "Jane Roe, a banker in Springfield", '"The rates will rise,"') in rels


def test_an_appositive_stops_at_a_comma_before_a_clause_of_its_own_and_keeps_it() -> None:
    spans, _ = _attr('"The rates will rise," said Jane Roe, the chief economist at a regional bank, which lends to farmers.')
    assert spans["SOURCE"] == ["Jane Roe, the chief economist at a regional bank,"]
    # a title in lower case, and an age, open an appositive too
    spans, _ = _attr("“It was close,” said Jon Berg, county clerk of the district.")
    assert spans["SOURCE"] == ["Jon Berg, county clerk of the district"]


def test_an_appositive_before_the_cue_may_hold_several_commas() -> None:
    spans, rels = _attr("Jane Roe, 52, a retired teacher, said the plan would fail.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Jane Roe, 52, a retired teacher,"], "CLAIM": ["the plan would fail"]}
    assert ("cue-of", "said", "the plan would fail") in rels


def test_an_aside_between_commas_is_not_part_of_the_source() -> None:
    for text in ("Roe, however, said the plan would fail.", "Roe, in turn, said the plan would fail.",
                 "Roe, visibly annoyed, said the plan would fail."):
        spans, _ = _attr(text)
        assert spans["SOURCE"] == ["Roe"], text
        assert spans["CLAIM"] == ["the plan would fail"], text


def test_a_quotation_that_goes_on_after_the_cue_is_one_claim() -> None:
    text = '"The rates will rise," Ms. Roe said. "You can see it coming." Prices fell.'
    spans, rels = _attr(text)
    whole = '"The rates will rise," Ms. Roe said. "You can see it coming."'
    assert spans == {"CUE": ["said"], "SOURCE": ["Ms. Roe"], "CLAIM": [whole]}
    assert rels == {("cue-of", "said", whole), ("source-of", "Ms. Roe", whole)}
    # typewriter quotes ('' ... ''), cue before the speaker
    text = "''The rates will rise,'' said Jane Roe. ''You can see it coming.''"
    spans, _ = _attr(text)
    assert spans["CLAIM"] == [text] and spans["SOURCE"] == ["Jane Roe"]
    # a next sentence that is not a quotation stays out
    spans, _ = _attr('"The rates will rise," Ms. Roe said. She left early.')
    assert spans["CLAIM"] == ['"The rates will rise,"']


def test_a_quotation_closed_before_the_speaker_is_the_content_whatever_follows_the_cue() -> None:
    spans, _ = _attr('"The rates will rise," Ms. Roe said on a morning radio show in the capital.')
    assert spans == {"CUE": ["said"], "SOURCE": ["Ms. Roe"], "CLAIM": ['"The rates will rise,"']}


def test_a_coordinated_cue_takes_the_subject_of_the_sentence() -> None:
    spans, rels = _attr("Senator Roe left the hall early and said the vote was rigged.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Senator Roe"], "CLAIM": ["the vote was rigged"]}
    assert ("source-of", "Senator Roe", "the vote was rigged") in rels
    spans, _ = _attr("In 2011, Roe quit the board and said the vote was rigged.")  # past an opening phrase
    assert spans["SOURCE"] == ["Roe"]


def test_a_restrictive_who_clause_stays_in_the_source() -> None:
    spans, _ = _attr("Parents who want more money said the plan would fail.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Parents who want more money"], "CLAIM": ["the plan would fail"]}


def test_adverbs_before_the_verb_belong_to_the_cue_but_names_in_ly_do_not() -> None:
    spans, _ = _attr("Roe has repeatedly said the plan would fail.")
    assert spans == {"CUE": ["has repeatedly said"], "SOURCE": ["Roe"], "CLAIM": ["the plan would fail"]}
    spans, _ = _attr('"It will pass," Kelly said.')
    assert spans == {"CUE": ["said"], "SOURCE": ["Kelly"], "CLAIM": ['"It will pass,"']}


def test_continued_is_a_cue_with_its_verb_or_at_the_end_only() -> None:
    spans, _ = _attr("Roe continued to insist that the plan would fail.")
    assert spans == {"CUE": ["continued to insist"], "SOURCE": ["Roe"], "CLAIM": ["that the plan would fail"]}
    spans, _ = _attr('"It will pass," Roe continued.')
    assert spans == {"CUE": ["continued"], "SOURCE": ["Roe"], "CLAIM": ['"It will pass,"']}
    assert _attr("Roe continued his tour of the northern towns.")[0] == {}


def test_headings_before_a_colon_are_not_speakers() -> None:
    for text in ("Correction: An earlier version misstated the date of the vote.",
                 "Q: Do you think the plan will pass this year?"):
        assert _attr(text)[0] == {}, text
    spans, _ = _attr("Jane Roe: The plan will not pass this year.")
    assert spans == {"CUE": [":"], "SOURCE": ["Jane Roe"], "CLAIM": ["The plan will not pass this year"]}


def test_a_passive_cue_or_it_seems_has_no_source_before_it() -> None:
    spans, rels = _attr("It was reported that the plan would fail.")
    assert spans == {"CUE": ["was reported"], "CLAIM": ["that the plan would fail"]}
    assert rels == {("cue-of", "was reported", "that the plan would fail")}
    spans, _ = _attr("The plan was discussed at length by the board.")
    assert "SOURCE" not in spans
    # an active cue keeps its subject
    assert _attr("The board reported that the plan would fail.")[0]["SOURCE"] == ["The board"]


def test_issued_a_statement_saying_is_one_cue() -> None:
    spans, rels = _attr("The rowing club issued a statement saying the regatta was cancelled.")
    assert spans == {"CUE": ["issued a statement saying"], "SOURCE": ["The rowing club"],
                     "CLAIM": ["the regatta was cancelled"]}
    assert ("cue-of", "issued a statement saying", "the regatta was cancelled") in rels


def test_modals_contractions_and_frequency_adverbs_open_the_cue() -> None:
    spans, _ = _attr("She may have said that the plan would fail.")
    assert spans["CUE"] == ["may have said"] and spans["SOURCE"] == ["She"]
    spans, _ = _attr("Roe often says the plan would fail.")
    assert spans["CUE"] == ["often says"] and spans["SOURCE"] == ["Roe"]


def test_a_party_tag_in_brackets_stays_with_the_name() -> None:
    spans, _ = _attr("Sen. Ann Roe (D-Mo.) said the plan would fail.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Sen. Ann Roe (D-Mo.)"], "CLAIM": ["the plan would fail"]}
    spans, _ = _attr("Sen. Ann Roe (D-Mo.), who backs the plan, said it would pass.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Sen. Ann Roe (D-Mo.)"], "CLAIM": ["it would pass"]}


def test_a_participle_between_commas_leaves_the_name_alone() -> None:
    spans, _ = _attr("Jon Berg, facing a close race, said the count was fair.")
    assert spans == {"CUE": ["said"], "SOURCE": ["Jon Berg"], "CLAIM": ["the count was fair"]}


def test_with_a_noun_phrase_and_a_gerund_the_phrase_is_the_source() -> None:
    spans, rels = _attr("The bill passed on Tuesday, with several farm groups saying it came too late.")
    assert spans == {"CUE": ["saying"], "SOURCE": ["several farm groups"], "CLAIM": ["it came too late"]}
    assert ("source-of", "several farm groups", "it came too late") in rels


def test_a_gerund_takes_a_long_titled_name_that_opens_the_sentence() -> None:
    spans, _ = _attr("Police Chief Jon Berg left the meeting early, saying the plan would fail.")
    assert spans == {"CUE": ["saying"], "SOURCE": ["Police Chief Jon Berg"], "CLAIM": ["the plan would fail"]}


def test_called_giving_a_name_is_no_cue() -> None:
    assert _attr("She founded a group called Farmers First in the spring.")[0] == {}
    assert _attr("The so-called reform plan stalled in the spring.")[0] == {}
    spans, _ = _attr("Critics called the plan a disaster for the valley.")
    assert spans["CUE"] == ["called"] and spans["SOURCE"] == ["Critics"]


def test_a_heading_before_a_colon_is_no_speaker() -> None:
    for text in ("The Latest: Roe wins the county vote.", "Here they are: three rules for the road.",
                 "UPDATE: The vote was moved to Friday.", "Editor’s note: This story was updated.",
                 "Continued Roe: the vote was rigged from the start."):
        spans, _ = _attr(text)
        assert ":" not in spans.get("CUE", []), text
    # a name before a colon still speaks
    spans, rels = _attr("Senator Roe: Rates Will Rise Next Year.")
    assert spans == {"CUE": [":"], "SOURCE": ["Senator Roe"], "CLAIM": ["Rates Will Rise Next Year"]}
    assert ("source-of", "Senator Roe", "Rates Will Rise Next Year") in rels


def test_a_third_partys_belief_or_wish_is_a_cue() -> None:
    spans, rels = _attr("The senator thinks the bill will fail in the House.")
    assert spans == {"CUE": ["thinks"], "SOURCE": ["The senator"], "CLAIM": ["the bill will fail in the House"]}
    assert ("cue-of", "thinks", "the bill will fail in the House") in rels
    spans, _ = _attr("Most farmers in the county still want a new dam on the river.")
    assert spans["CUE"] == ["still want"] and spans["SOURCE"] == ["Most farmers in the county"]
    spans, _ = _attr("Ms. Roe does not know whether the plant will close.")
    assert spans["CUE"] == ["does not know"] and spans["SOURCE"] == ["Ms. Roe"]
    spans, _ = _attr("The county clerk insists the count was fair and complete.")
    assert spans["CUE"] == ["insists"] and spans["CLAIM"] == ["the count was fair and complete"]
    spans, _ = _attr("The old mayor lambasted the plan as a waste of money.")
    assert spans["CUE"] == ["lambasted"] and spans["SOURCE"] == ["The old mayor"]
    spans, _ = _attr("The county clerk bemoaned the cost of the new dam.")
    assert spans["CUE"] == ["bemoaned"] and spans["SOURCE"] == ["The county clerk"]
    spans, _ = _attr("Two new reports show the river is rising fast.")
    assert spans["CUE"] == ["show"] and spans["SOURCE"] == ["Two new reports"]


def test_a_belief_verb_is_no_cue_in_a_transcript_turn_after_to_or_as_an_imperative() -> None:
    for text in ("Q: Do you want a new dam on the river?", "Farmers came to see the new dam on the river.",
                 "See the full results of the county vote here."):
        spans, _ = _attr(text)
        assert spans.get("CUE", []) == [], text
    spans, _ = _attr("ROE: I think the bill will fail in the House.")
    assert spans["CUE"] == [":"]  # the speaker's label, not the turn's own "I think"
    # in a column, the writer's own "I think" is a cue
    spans, _ = _attr("I think the bill will fail in the House.")
    assert spans["CUE"] == ["think"] and spans["SOURCE"] == ["I"]


def test_a_belief_verb_inside_a_reported_statement_is_not_a_second_cue() -> None:
    spans, rels = _attr("Half of the farmers said they want a new dam on the river.")
    assert spans["CUE"] == ["said"]
    assert spans["CLAIM"] == ["they want a new dam on the river"]
    spans, _ = _attr("Half of the farmers told the mayor they still fear the river will flood.")
    assert spans["CUE"] == ["told"]


def test_an_event_verb_after_to_or_a_modal_or_inside_a_reported_statement_is_no_cue() -> None:
    for text in ("The mayor had a week to respond to the letter from the farmers.",
                 "The clerk said the count appeared complete by noon on Monday."):
        spans, _ = _attr(text)
        assert "respond to" not in spans.get("CUE", []) and "appeared" not in spans.get("CUE", []), text
    # on its own the same verb is still a cue
    spans, _ = _attr("The count appeared complete by noon on Monday.")
    assert spans["CUE"] == ["appeared"] and "SOURCE" not in spans  # version 7: a cue of seeming has no source
    spans, _ = _attr("The governor declined to say whether she would run again.")
    assert spans["CUE"] == ["declined"] and spans["SOURCE"] == ["The governor"]


def test_an_adverb_after_the_verb_and_a_particle_belong_to_the_cue() -> None:
    spans, _ = _attr('"We will win the county," Roe said confidently.')
    assert spans["CUE"] == ["said confidently"] and spans["SOURCE"] == ["Roe"]
    spans, rels = _attr("The dam will hold, the mayor said Tuesday.")
    assert spans == {"CUE": ["said Tuesday"], "SOURCE": ["the mayor"], "CLAIM": ["The dam will hold"]}
    spans, _ = _attr("The mayor said Tuesday that the dam will hold.")
    assert spans["CUE"] == ["said"]
    spans, _ = _attr("Most farmers in the valley are worried about the new dam.")
    assert spans["CUE"] == ["are worried about"] and spans["SOURCE"] == ["Most farmers in the valley"]
    spans, _ = _attr("The mayor cautioned against a vote before the spring.")
    assert spans["CUE"] == ["cautioned against"]
    spans, _ = _attr("Roe accused of lying about the budget, the clerk resigned.")
    assert "accused of" in spans["CUE"]
    spans, _ = _attr('The mayor continued: "The river will not wait for us."')
    assert spans["CUE"] == ["continued:"] and spans["SOURCE"] == ["The mayor"]
    assert spans["CLAIM"] == ['"The river will not wait for us."']


def test_a_passive_that_names_finds_or_informs_is_no_cue() -> None:
    for text in ("The river crossing is called the Narrows by everyone in the county.",
                 "The missing ballots were found in a locked room at the county hall.",
                 "The farmers were told to leave the valley before the flood."):
        spans, _ = _attr(text)
        assert spans.get("CUE", []) == [], text
    # with its agent after it, the passive reports
    spans, _ = _attr("The flood was reported by the river authority on Monday.")
    assert spans["CUE"] == ["was reported by"] or spans["CUE"] == ["was reported"]
    # a noun after a noun is no stance verb; after a plural it is
    spans, _ = _attr("The talk show host left the studio early.")
    assert spans.get("CUE", []) == []


def test_attitude_verbs_need_no_that_and_a_participle_after_a_number_is_an_adjective() -> None:
    spans, _ = _attr("Many farmers fear the river will flood again in the spring.")
    assert spans["CUE"] == ["fear"] and spans["SOURCE"] == ["Many farmers"]
    spans, _ = _attr("She leads by 40 pledged votes in the county.")
    assert spans.get("CUE", []) == []
    # "said in an email" keeps only the verb; "said in a statement" keeps the whole
    spans, _ = _attr("Roe said in an email that the count was fair.")
    assert spans["CUE"] == ["said"]
    spans, _ = _attr("Roe said in a statement that the count was fair.")
    assert spans["CUE"] == ["said in a statement"]


def test_in_the_polls_mid_sentence_is_no_source_and_long_or_both_join_the_cue() -> None:
    spans, _ = _attr("Roe is still ahead in the polls, but the race is close.")
    assert spans.get("CUE", []) == []
    spans, rels = _attr("In a new county poll, Roe leads by ten points.")
    assert spans["CUE"] == ["In"] and spans["SOURCE"] == ["a new county poll"]
    spans, _ = _attr("Farmers have long argued that the dam is too small.")
    assert spans["CUE"] == ["have long argued"]
    spans, _ = _attr("The two mayors have both said the dam is too small.")
    assert spans["CUE"] == ["have both said"]


def test_set_phrases_that_report_nothing_are_no_cues() -> None:
    for text in ("The dam costs more than, say, a new bridge over the river.",
                 "All told, the county spent ten million on the dam.",
                 "Because, you know, the dam is old and the river is high.",
                 "The dam is old, believe me, and the river is high.",
                 "Not to mention the river, which is rising every day."):
        spans, _ = _attr(text)
        assert spans.get("CUE", []) == [], text


def test_a_stance_verb_in_a_title_case_headline_is_a_cue() -> None:
    spans, _ = _attr("Senator Roe Backs The New Dam Plan.")
    assert spans["CUE"] == ["Backs"] and spans["SOURCE"] == ["Senator Roe"]
    # in running text a capitalised word is no verb
    spans, _ = _attr("The plan was drawn up by Backs and Sons, a firm in the county.")
    assert spans.get("CUE", []) == []


def test_calls_as_a_plural_noun_or_a_naming_is_no_cue() -> None:
    for text in ("The campaign paid for phone calls to every voter in the county.",
                 "The clerk grumbles about what she calls the paper mountain at every meeting."):
        spans, _ = _attr(text)
        assert "calls" not in spans.get("CUE", []), text
    spans, _ = _attr("The mayor calls the dam a waste of money.")
    assert spans["CUE"] == ["calls"] and spans["SOURCE"] == ["The mayor"]


def test_forms_mostly_used_in_other_senses_are_no_cues() -> None:
    for text in ("The county is writing a new plan for the dam.", "Finding a new site for the dam took a year.",
                 "Responding to the flood, the county closed the road.", "The new plan shows promise for the farmers."):
        spans, _ = _attr(text)
        assert not {"writing", "Finding", "Responding to", "promise"} & set(spans.get("CUE", [])), text


def test_appearing_somewhere_or_another_sense_of_the_verb_is_no_cue() -> None:
    for text in ("The mayor appeared at a rally in the valley on Monday.",
                 "Roe appears on a morning show every week.", "The mayor showed up late to the meeting.",
                 "The county backed away from the plan last week.", "The clerk found herself alone in the hall.",
                 "The county added to its lead in the polls.", "Jane Roe reported from the capital.",
                 "The clerk met aide Hope Bell in the hall."):
        spans, _ = _attr(text)
        assert spans.get("CUE", []) == [], text
    spans, _ = _attr("The mayor appeared to back the new dam.")
    assert spans["CUE"] == ["appeared"]


def test_a_reporting_verb_under_according_to_is_left_to_the_outer_attribution() -> None:
    spans, rels = _attr("According to the memo, the mayor told aides the dam would close.")
    assert spans["CUE"] == ["According to"]
    assert ("source-of", "the memo", "the mayor told aides the dam would close") in rels
    spans, _ = _attr("The dam will close, the mayor told aides, according to a transcript.")
    assert spans["CUE"] == ["according to"]
    # a verb in a relative clause of its own stays a cue
    spans, _ = _attr("The dam will close next year, according to a report that suggests long delays.")
    assert spans["CUE"] == ["according to", "suggests"]


def test_no_cue_inside_a_quotation_not_even_a_colon() -> None:
    spans, _ = _attr('"Lesson one: never trust a poll," Roe said.')
    assert spans["CUE"] == ["said"]
    assert spans["CLAIM"] == ['"Lesson one: never trust a poll,"']


def test_about_after_a_verb_of_speech_or_thought_is_part_of_the_cue() -> None:
    spans, _ = _attr("Roe said about the plan that it would fail.")
    assert spans["CUE"] == ["said about"] and spans["SOURCE"] == ["Roe"]
    spans, _ = _attr("Ms. Roe wrote about the dam in her column.")
    assert spans["CUE"] == ["wrote about"]
    spans, _ = _attr("Voters worry about the dam, the mayor thinks about it.")
    assert "thinks about" in spans["CUE"]


def test_verbs_of_mockery_comparison_and_emphasis_are_cues() -> None:
    for text, cue in (("Roe derided the plan as a waste of money.", "derided"),
                      ("Roe likened the plan to a new tax on farmers.", "likened"),
                      ("The senator mocked the plan at a rally.", "mocked"),
                      ("The mayor underscored the need for a new dam.", "underscored")):
        spans, _ = _attr(text)
        assert spans["CUE"] == [cue], text


def test_a_gerund_after_a_comma_opens_a_statement_of_its_own() -> None:
    spans, rels = _attr("The mayor said the dam would close, recalling the flood of 1990.")
    assert spans["CUE"] == ["said", "recalling"]
    assert ("cue-of", "recalling", "the flood of 1990") in rels
    # without the comma it stays inside the first statement's content
    spans, _ = _attr("The mayor said the voters were recalling the flood of 1990.")
    assert spans["CUE"] == ["said"]


def test_show_after_a_noun_of_evidence_is_a_verb() -> None:
    spans, _ = _attr("Polls in the state show the mayor ahead.")
    assert spans["CUE"] == ["show"] and spans["SOURCE"] == ["Polls in the state"]
    spans, _ = _attr("She watched a talk show in the state.")
    assert "CUE" not in spans


def test_a_colon_after_a_heading_is_no_cue() -> None:
    for text in ("One notable trend: voters in the north want a new dam.",  # a heading in sentence case
                 "Bottom Line: a plan to close the dam.",  # an article opens what follows
                 "Ohio: Ann Roe, Jon Berg, Max Lee, Sue Kim and Al Poe."):  # a list of names
        spans, _ = _attr(text)
        assert ":" not in spans.get("CUE", []), text
    spans, _ = _attr("Roe camp: We will win the vote.")
    assert spans == {"CUE": [":"], "SOURCE": ["Roe camp"], "CLAIM": ["We will win the vote"]}


def test_went_on_to_say_is_one_cue() -> None:
    spans, rels = _attr("Roe went on to say the dam would close.")
    assert spans == {"CUE": ["went on to say"], "SOURCE": ["Roe"], "CLAIM": ["the dam would close"]}
    assert ("cue-of", "went on to say", "the dam would close") in rels


def test_made_it_clear_is_a_cue_but_to_make_clear_is_an_aim() -> None:
    spans, _ = _attr("The mayor made it clear that the dam would close.")
    assert spans["CUE"] == ["made it clear"] and spans["SOURCE"] == ["The mayor"]
    spans, _ = _attr("The mayor has made clear she will run.")
    assert spans == {"CUE": ["has made clear"], "SOURCE": ["The mayor"], "CLAIM": ["she will run"]}
    spans, _ = _attr("The clerk tried to make clear that the dam is safe.")
    assert "CUE" not in spans


def test_phrasal_verbs_of_speech_keep_their_particle_and_preposition() -> None:
    for text, cue in (("The mayor lashed out at critics of the dam.", "lashed out at"),
                      ("Roe fired back at the mayor on Monday.", "fired back at"),
                      ("The senator railed against the plan in a speech.", "railed against"),
                      ("The governor weighed in on the dam.", "weighed in on")):
        spans, _ = _attr(text)
        assert spans["CUE"] == [cue], text
    spans, _ = _attr("Health costs shot up last year.")  # another sense
    assert "CUE" not in spans


def test_stances_taken_by_a_vote_a_push_or_a_feeling_voiced() -> None:
    for text, cue in (("The mayor voted against the dam.", "voted against"),
                      ("Roe expressed concern that the dam would fail.", "expressed concern"),
                      ("The mayor is talking about a new dam.", "is talking about"),
                      ("The council pushed for a new dam.", "pushed for")):
        spans, _ = _attr(text)
        assert spans["CUE"] == [cue], text
    spans, _ = _attr("Roe expressed herself well.")  # no feeling voiced
    assert "CUE" not in spans


def test_respondents_under_an_opening_poll_are_not_cued_again() -> None:
    spans, rels = _attr("In a poll released Sunday, most voters said they want a new dam.")
    assert spans["CUE"] == ["In"]
    assert ("cue-of", "In", "most voters said they want a new dam") in rels


def test_a_feeling_voiced_keeps_the_preposition_after_it() -> None:
    spans, _ = _attr("Roe expressed concern about the dam.")
    assert spans["CUE"] == ["expressed concern about"]


def test_an_attitude_verb_after_to_is_an_aim_not_a_stance() -> None:
    for text in ("The plan is to portray the dam as a success.", "The aim was to dismiss the clerk quietly."):
        spans, _ = _attr(text)
        assert "CUE" not in spans, text
    spans, _ = _attr("The mayor will dismiss the report as noise.")  # after a modal it stays
    assert spans["CUE"] == ["will dismiss"]


def test_stance_verbs_marked_two_times_in_five_or_more_are_cues() -> None:
    spans, _ = _attr("The clerk alleges that the vote was rigged.")
    assert spans == {"CUE": ["alleges"], "SOURCE": ["The clerk"], "CLAIM": ["that the vote was rigged"]}
    spans, _ = _attr("The note on the door read: “Closed for good.”")
    assert spans["CUE"] == ["read:"] and spans["SOURCE"] == ["The note on the door"]
    spans, _ = _attr("The mayor is considering a new dam.")
    assert spans["CUE"] == ["is considering"]


def test_reportedly_is_a_cue_of_its_own_unless_a_cue_verb_follows() -> None:
    spans, _ = _attr("The county is reportedly building a second dam.")
    assert spans["CUE"] == ["reportedly"]
    spans, _ = _attr("The mayor reportedly said the dam would close.")  # the verb's cue takes it in
    assert spans["CUE"] == ["reportedly said"]


def test_a_decision_taken_is_a_stance_cue() -> None:
    spans, _ = _attr("The council decided that the dam would stay open.")
    assert spans == {"CUE": ["decided"], "SOURCE": ["The council"], "CLAIM": ["that the dam would stay open"]}


def test_a_colon_after_a_cue_of_several_words_closes_the_cue() -> None:
    spans, _ = _attr("The mayor fired back: “The dam is safe.”")
    assert spans["CUE"] == ["fired back:"] and spans["SOURCE"] == ["The mayor"]
    spans, _ = _attr("Roe said in a statement: “The dam is safe.”")
    assert spans["CUE"] == ["said in a statement:"]


def test_the_manner_of_speaking_after_the_verb_is_part_of_the_cue() -> None:
    spans, _ = _attr("“The dam is safe,” the mayor said with a shrug.")
    assert spans == {"CUE": ["said with a shrug"], "SOURCE": ["the mayor"], "CLAIM": ["“The dam is safe,”"]}
    spans, _ = _attr("“The dam is safe,” the mayor said with a shrug of his shoulders.")  # a longer phrase stays out
    assert spans["CUE"] == ["said"]


def test_as_before_the_source_stays_out_of_the_claim() -> None:
    spans, _ = _attr("The dam will close soon, as the mayor said on Monday.")
    assert spans == {"CUE": ["said"], "SOURCE": ["the mayor"], "CLAIM": ["The dam will close soon"]}


def test_as_someone_put_it_is_a_cue() -> None:
    spans, rels = _attr("“The dam is a gift,” as the mayor put it.")
    assert spans == {"CUE": ["put it"], "SOURCE": ["the mayor"], "CLAIM": ["“The dam is a gift,”"]}
    spans, _ = _attr("To put it mildly, the dam is old.")  # an aside of the writer
    assert "CUE" not in spans


def test_point_to_and_point_out_after_a_plural_subject_are_cues() -> None:
    spans, _ = _attr("Farmers point to the dry summer as the cause.")
    assert spans["CUE"] == ["point to"] and spans["SOURCE"] == ["Farmers"]
    spans, _ = _attr("Critics of the dam point out that it leaks.")
    assert spans["CUE"] == ["point out"]
    spans, _ = _attr("Aides were quick to point out that the dam leaks.")  # an infinitive: no cue of its own
    assert "CUE" not in spans


def test_seeking_is_a_cue_in_the_present_progressive_only() -> None:
    spans, _ = _attr("The city is seeking a new site for the dam.")
    assert spans["CUE"] == ["is seeking"]
    spans, _ = _attr("Farmers seeking water lined up at the dam.")
    assert "CUE" not in spans


def test_an_adjective_of_a_stance_after_be_is_a_cue() -> None:
    spans, _ = _attr("The farmers were adamant that the dam must go.")
    assert spans["CUE"] == ["were adamant"] and spans["SOURCE"] == ["The farmers"]
    spans, _ = _attr("The mayor is eager to open the dam.")
    assert spans["CUE"] == ["is eager"]
    spans, _ = _attr("An eager crowd waited at the dam.")  # no "be": an attribute, no stance voiced
    assert "CUE" not in spans


def test_idioms_of_a_stance_taken_are_cues() -> None:
    for text, cue in (("The senator took aim at the dam plan.", "took aim at"),
                      ("The judge sided with the farmers.", "sided with"),
                      ("The mayor went after his rival on Monday.", "went after"),
                      ("Roe took issue with the report.", "took issue with")):
        spans, _ = _attr(text)
        assert spans["CUE"] == [cue], text
    spans, _ = _attr("The mayor took a walk by the dam.")
    assert "CUE" not in spans


def test_a_verb_followed_by_by_and_a_gerund_cue_is_one_cue() -> None:
    spans, _ = _attr("The mayor responded by saying that the dam is safe.")
    assert spans == {"CUE": ["responded by saying"], "SOURCE": ["The mayor"], "CLAIM": ["that the dam is safe"]}


def test_a_day_between_the_statement_and_its_gerund_stays_in_the_cue() -> None:
    spans, _ = _attr("The rowing club issued a statement Friday saying the river is calm.")
    assert spans["CUE"] == ["issued a statement Friday saying"] and spans["SOURCE"] == ["The rowing club"]


def test_talk_shows_are_programmes_not_a_verb() -> None:
    spans, _ = _attr("Cable news shows ran the clip all day.")
    assert "CUE" not in spans
    spans, _ = _attr("New polls show the mayor ahead.")
    assert spans["CUE"] == ["show"]


def test_the_verb_of_thats_according_to_is_part_of_the_cue() -> None:
    spans, _ = _attr("The dam is safe, and that’s according to the county engineers.")
    assert spans["CUE"] == ["’s according to"] and spans["SOURCE"] == ["the county engineers"]


def test_since_before_a_cue_joins_it_only_after_an_auxiliary() -> None:
    spans, _ = _attr("The mayor has stayed silent since announcing the new dam.")
    assert spans["CUE"] == ["announcing"]
    spans, _ = _attr("Roe has since said the dam is safe.")
    assert spans["CUE"] == ["has since said"]


def test_believe_in_and_remarked_upon_keep_their_preposition() -> None:
    spans, _ = _attr("Farmers in the valley believe in the new dam.")
    assert spans["CUE"] == ["believe in"]
    spans, _ = _attr("The mayor remarked upon the state of the dam.")
    assert spans["CUE"] == ["remarked upon"]


def test_cannot_having_finally_and_soon_open_the_cue() -> None:
    for text, cue in (("The mayor cannot say when the dam will open.", "cannot say"),
                      ("The mayor, having announced the dam, left.", "having announced"),
                      ("The mayor finally confirmed that the dam will open.", "finally confirmed")):
        spans, _ = _attr(text)
        assert spans["CUE"] == [cue], text


def test_only_before_a_cue_verb_opens_the_cue_but_not_before_a_noun() -> None:
    spans, _ = _attr("The mayor would only say that the dam is safe.")
    assert spans["CUE"] == ["would only say"]
    spans, _ = _attr("Her only hope is a new dam.")
    assert "CUE" not in spans


def test_a_cue_close_after_another_with_no_break_between_is_inside_its_content() -> None:
    spans, rels = _attr("The mayor said the clerk told aides that the dam would close.")
    assert spans == {"CUE": ["said"], "SOURCE": ["The mayor"], "CLAIM": ["the clerk told aides that the dam would close"]}
    # a comma and "and", or a conjunction, open a clause with a cue of its own
    spans, _ = _attr("The mayor said the dam would close, and the clerk told aides it would stay open.")
    assert spans["CUE"] == ["said", "told"]
    spans, _ = _attr("The mayor said the dam would close when the clerk announced the vote.")
    assert spans["CUE"] == ["said", "announced"]


def test_a_heading_word_before_a_colon_is_no_speaker() -> None:
    for text in ("Wow: The Dam Just Opened Again.", "Contributing: Ann Roe and Jon Berg."):
        spans, _ = _attr(text)
        assert ":" not in spans.get("CUE", []), text


def test_a_message_sent_out_or_answered_keeps_its_particle_in_the_cue() -> None:
    spans, _ = _attr("The clerk tweeted out a photo of the flooded road.")
    assert spans["CUE"] == ["tweeted out"]
    spans, _ = _attr("The mayor wrote back: the dam would stay open.")
    assert spans["CUE"] == ["wrote back:"]
    spans, _ = _attr("The fans chanted back at the referee.")
    assert spans["CUE"] == ["chanted back"]


def test_a_cue_joined_to_a_verb_after_it_has_no_content_of_its_own() -> None:
    spans, _ = _attr("Whatever the clerk says and promises becomes the rule of the office.")
    assert "CUE" not in spans
    spans, _ = _attr("The clerk has never sought or held office in the county.")
    assert "CUE" not in spans
    # two past participles so joined are one cue
    spans, _ = _attr("The plan was praised and welcomed by the mayor.")
    assert spans["CUE"] == ["was praised and welcomed"]


def test_a_transcripts_upper_case_speaker_label_speaks() -> None:
    spans, rels = _attr("ANN ROE: We will not give up the fight.")
    assert spans == {"CUE": [":"], "SOURCE": ["ANN ROE"], "CLAIM": ["We will not give up the fight"]}
    assert ("source-of", "ANN ROE", "We will not give up the fight") in rels


def test_a_cue_right_after_a_relative_that_with_no_source_is_dropped() -> None:
    spans, _ = _attr("She worked for a law firm that defended the county in the flood case.")
    assert "CUE" not in spans
    # with its own source before it, the cue stays
    spans, _ = _attr("The mayor said the town would rebuild the dam.")
    assert spans["CUE"] == ["said"]


def test_a_lone_participle_after_a_noun_and_before_by_describes_the_noun() -> None:
    spans, _ = _attr("The council passed a measure backed by the farmers of the valley.")
    assert "CUE" not in spans
    spans, _ = _attr("The mayor has backed the measure for the valley.")
    assert spans["CUE"] == ["has backed"]


def test_an_opening_mark_typed_to_close_a_quotation_closes_it() -> None:
    spans, _ = _attr("“The dam will hold,“ the clerk said.")
    assert spans == {"CUE": ["said"], "SOURCE": ["the clerk"], "CLAIM": ["“The dam will hold,“"]}


def test_a_stance_after_a_modal_is_a_cue() -> None:
    spans, _ = _attr("The farmers would want a new dam on the river.")
    assert spans["CUE"] == ["would want"] and spans["SOURCE"] == ["The farmers"]
    spans, _ = _attr("The council will discuss the dam on Friday.")
    assert spans["CUE"] == ["will discuss"]


def test_a_bare_reporting_verb_after_a_modal_is_a_cue() -> None:
    spans, _ = _attr("The mayor would say the dam is safe.")
    assert spans == {"CUE": ["would say"], "SOURCE": ["The mayor"], "CLAIM": ["the dam is safe"]}
    spans, _ = _attr("Let me say the dam is safe.")
    assert "CUE" not in spans


def test_a_capitalised_auxiliary_amid_the_sentence_is_a_name_not_part_of_the_cue() -> None:
    spans, _ = _attr("The dam is safe, Will wrote in his column.")
    assert spans["CUE"] == ["wrote"] and spans["SOURCE"] == ["Will"]
    spans, _ = _attr("The mayor will say the dam is safe.")
    assert spans["CUE"] == ["will say"]


def test_a_second_cue_a_dozen_words_on_with_no_break_is_still_inside_the_first() -> None:
    spans, _ = _attr("The mayor said the engineers from the state office in the capital last spring warned the council.")
    assert spans["CUE"] == ["said"]


def test_verbs_of_citing_naming_and_rebuffing_are_stance_cues() -> None:
    spans, _ = _attr("The mayor referenced the old flood in her speech.")
    assert spans["CUE"] == ["referenced"] and spans["SOURCE"] == ["The mayor"]
    spans, _ = _attr("Critics dubbed the plan a giveaway to the builders.")
    assert spans["CUE"] == ["dubbed"]


def test_verbs_of_recounting_crediting_and_championing_are_stance_cues() -> None:
    spans, _ = _attr("The mayor champions a new dam for the valley.")
    assert spans["CUE"] == ["champions"] and spans["SOURCE"] == ["The mayor"]
    spans, _ = _attr("The clerk is mulling a bid for the county seat.")
    assert spans["CUE"] == ["is mulling"]


def test_verbs_of_reckoning_and_attacking_are_stance_cues() -> None:
    spans, _ = _attr("The county calculates the dam will cost ten million.")
    assert spans["CUE"] == ["calculates"] and spans["SOURCE"] == ["The county"]
    spans, _ = _attr("The paper rips the mayor for the delay.")
    assert spans["CUE"] == ["rips"]


def test_a_verb_of_aspect_before_a_gerund_cue_opens_the_cue() -> None:
    spans, _ = _attr("The mayor began talking about the dam at noon.")
    assert spans["CUE"] == ["began talking about"]
    spans, _ = _attr("The clerk kept asking the council about the vote.")
    assert spans["CUE"] == ["kept asking"]


def test_a_straight_mark_that_opens_a_new_paragraph_of_a_quotation_keeps_it_open() -> None:
    # a transcript: each paragraph opens with a mark, none is closed; the verbs are the speaker's
    spans, _ = _attr('"We went to the town hall. "Then the mayor said the dam would close.')
    assert spans == {}
    # a mark attached to the word before it still closes the quotation
    spans, _ = _attr('"The dam will close," the mayor said.')
    assert spans["CUE"] == ["said"]


def test_the_verbs_of_a_transcript_turn_after_its_speaker_label_are_no_cues() -> None:
    spans, _ = _attr("ROE: Farmers want a dam. They want safe roads too.")
    assert spans["CUE"] == [":"]
    # a heading before a colon is no turn
    spans, _ = _attr("UPDATE: Farmers said the dam would close.")
    assert spans["CUE"] == ["said"]


def test_a_stance_in_a_which_clause_is_a_cue_but_not_in_a_who_clause() -> None:
    spans, _ = _attr("The fund, which backs the dam, paid for the study.")
    assert spans["CUE"] == ["backs"] and spans["SOURCE"] == ["which"]
    spans, _ = _attr("Farmers who back the dam paid for the study.")
    assert "CUE" not in spans


def test_verbs_of_ruling_and_exposing_are_stance_cues() -> None:
    spans, _ = _attr("The court ruled the dam could stay open.")
    assert spans["CUE"] == ["ruled"] and spans["SOURCE"] == ["The court"]
    spans, _ = _attr("The mayor sounded a warning about the dam.")
    assert spans["CUE"] == ["sounded"]


def test_ignoring_and_attributing_are_stance_cues() -> None:
    spans, _ = _attr("The council ignored the warnings about the dam.")
    assert spans["CUE"] == ["ignored"] and spans["SOURCE"] == ["The council"]


def test_vetoing_and_ordering_are_stance_cues() -> None:
    spans, _ = _attr("The governor vetoed the dam bill on Friday.")
    assert spans["CUE"] == ["vetoed"] and spans["SOURCE"] == ["The governor"]


def test_verbs_of_affirming_and_positing_are_stance_cues() -> None:
    spans, _ = _attr("The engineer posited that the dam would hold.")
    assert spans["CUE"] == ["posited"] and spans["SOURCE"] == ["The engineer"]


def test_a_perfect_or_passive_of_show_is_a_stance_cue() -> None:
    spans, _ = _attr("Surveys have shown that farmers back the dam.")
    assert spans["CUE"] == ["have shown"] and spans["SOURCE"] == ["Surveys"]


def test_showing_in_a_clause_of_its_own_is_a_stance_cue() -> None:
    spans, _ = _attr("The county released figures Monday, showing the dam was safe.")
    assert spans["CUE"] == ["showing"]


def test_imposing_and_negotiating_are_stance_cues() -> None:
    spans, _ = _attr("The state imposed new limits on the dam.")
    assert spans["CUE"] == ["imposed"] and spans["SOURCE"] == ["The state"]


def test_rebutting_and_disclosing_are_stance_cues() -> None:
    spans, _ = _attr("The clerk rebutted the claim about the dam.")
    assert spans["CUE"] == ["rebutted"] and spans["SOURCE"] == ["The clerk"]


def test_a_name_between_commas_after_a_description_is_part_of_the_source() -> None:
    spans, rels = _attr("A senior aide to the mayor, Jane Roe, said the dam would open in May.")
    assert spans == {"CUE": ["said"], "SOURCE": ["A senior aide to the mayor, Jane Roe,"], "CLAIM": ["the dam would open in May"]}
    assert ("source-of", "A senior aide to the mayor, Jane Roe,", "the dam would open in May") in rels
    # a party tag after a name is one too; a place after a place is not a name of its own
    spans, _ = _attr("Rep. Ann Roe, R-Ohio, says the plan failed.")
    assert spans["SOURCE"] == ["Rep. Ann Roe, R-Ohio,"]
    spans, _ = _attr("Representative Ann Roe, Republican of Ohio, told the crowd that taxes would fall.")
    assert spans["SOURCE"] == ["Representative Ann Roe, Republican of Ohio,"]
    spans, _ = _attr("Jon Berg, a farmer from Springfield, Ohio, said the dam would open.")
    assert spans["SOURCE"] == ["Jon Berg, a farmer from Springfield, Ohio,"]


def test_a_progressive_cue_takes_its_subject_as_the_source() -> None:
    spans, _ = _attr("Jon Berg, a farmer near the river, is backing the mayor.")
    assert spans["CUE"] == ["is backing"]
    assert spans["SOURCE"] == ["Jon Berg, a farmer near the river,"]
    spans, rels = _attr("The mayor has been saying that the dam is safe.")
    assert spans == {"CUE": ["has been saying"], "SOURCE": ["The mayor"], "CLAIM": ["that the dam is safe"]}
    assert ("source-of", "The mayor", "that the dam is safe") in rels


def test_a_time_between_an_appositive_and_the_cue_is_skipped_for_the_source() -> None:
    for text in ("Jon Berg, the town's clerk, this past week announced a new count of the ballots.",
                 "Jon Berg, the town's clerk, on Friday announced a new count of the ballots."):
        spans, _ = _attr(text)
        assert spans["SOURCE"] == ["Jon Berg, the town's clerk,"], text
        assert spans["CUE"] == ["announced"], text
    # a time after a participle belongs to it
    spans, _ = _attr("A survey released this month found the clerk far ahead.")
    assert spans["SOURCE"] == ["A survey released this month"]


def test_called_after_a_noun_and_before_a_name_gives_a_name() -> None:
    for text in ("She joined a protest movement called Clean Rivers.", "He runs the rowing club called “Green Acres”."):
        spans, _ = _attr(text)
        assert spans == {}, text
    spans, _ = _attr("Critics called for a new vote on the dam.")
    assert spans["CUE"] == ["called for"]
    spans, _ = _attr("The mayor called the plan a disaster for the town.")
    assert spans["CUE"] == ["called"]


def test_an_ing_form_after_an_adjective_and_before_a_preposition_is_a_noun() -> None:
    for text in ("The mayor needs a solid showing in the river towns.", "The plan has firm backing from the farmers."):
        spans, _ = _attr(text)
        assert spans == {}, text
    spans, _ = _attr("The mayor is backing the plan for the dam.")
    assert spans["CUE"] == ["is backing"]


def test_the_source_after_what_stops_at_what() -> None:
    spans, _ = _attr("The flood was what the engineers called a disaster.")
    assert spans["SOURCE"] == ["the engineers"]
    assert spans["CUE"] == ["called"]


def test_the_agent_after_by_is_the_source_of_a_cue_without_one() -> None:
    spans, rels = _attr("The dam plan was criticized by the mayor's aides for its cost.")
    assert spans == {"CUE": ["was criticized"], "SOURCE": ["the mayor's aides"], "CLAIM": ["for its cost"]}
    assert ("source-of", "the mayor's aides", "for its cost") in rels
    spans, _ = _attr("The story, first reported by the local paper, was wrong.")
    assert spans["SOURCE"] == ["the local paper"]
    # "by" before a gerund cue is no agent
    spans, _ = _attr("She responded by saying the dam was safe.")
    assert spans["SOURCE"] == ["She"]


def test_a_byline_after_a_dash_before_a_colon_and_a_quotation_is_the_source() -> None:
    spans, rels = _attr("RIVER TOWNS VOTE EARLY - Ann Roe and Jon Berg: “The turnout was high in every ward.”")
    assert spans == {"CUE": [":"], "SOURCE": ["Ann Roe and Jon Berg"], "CLAIM": ["“The turnout was high in every ward.”"]}
    assert ("cue-of", ":", "“The turnout was high in every ward.”") in rels
    # without a quotation after the colon, a pair of names is a heading
    spans, _ = _attr("Roe and Berg: A long rivalry on the river.")
    assert spans == {}


def test_a_stance_adjective_after_be_is_a_cue_with_its_preposition() -> None:
    spans, rels = _attr("The mayor was sharply critical of the dam plan.")
    assert spans == {"CUE": ["was sharply critical of"], "SOURCE": ["The mayor"], "CLAIM": ["the dam plan"]}
    assert ("cue-of", "was sharply critical of", "the dam plan") in rels
    spans, _ = _attr("Farmers are skeptical of the new water rules.")
    assert spans["CUE"] == ["are skeptical of"]
    # not without the preposition, nor inside what an earlier verb reports
    assert _attr("The situation is critical for the farmers.")[0] == {}
    spans, _ = _attr("The mayor said farmers were skeptical of the rules.")
    assert spans["CUE"] == ["said"]


def test_known_as_and_regarded_as_after_be_are_cues() -> None:
    spans, rels = _attr("The old mill is known as the heart of the town.")
    assert spans == {"CUE": ["is known as"], "CLAIM": ["the heart of the town"]}
    assert ("cue-of", "is known as", "the heart of the town") in rels
    spans, _ = _attr("The rule, known as the river clause, limits dams.")
    assert spans == {"CUE": ["known as"], "CLAIM": ["the river clause"]}
    spans, _ = _attr("The mayor was widely regarded as a careful planner.")
    assert spans["CUE"] == ["was widely regarded as"]


def test_a_clause_after_a_comma_is_no_content_of_an_earlier_reporting_verb() -> None:
    spans, rels = _attr("The mayor said the vote was fair, while the clerk found the count too slow.")
    assert spans["CUE"] == ["said", "found"]
    assert ("source-of", "the clerk", "the count too slow") in rels
    # with no comma, the second verb stays inside what the first reports
    spans, _ = _attr("The mayor said the voters want a dam.")
    assert spans["CUE"] == ["said"]


def test_a_contracted_has_before_a_cue_keeps_the_source() -> None:
    spans, rels = _attr("He's said the dam will hold through the spring.")
    assert spans == {"CUE": ["'s said"], "SOURCE": ["He"], "CLAIM": ["the dam will hold through the spring"]}
    spans, _ = _attr("It's said that the dam will hold through the spring.")
    assert "SOURCE" not in spans


def test_a_one_word_quotation_before_the_cue_is_a_claim() -> None:
    spans, rels = _attr("“Never,” said the mayor of the river town.")
    assert spans == {"CUE": ["said"], "SOURCE": ["the mayor of the river town"], "CLAIM": ["“Never,”"]}
    assert ("source-of", "the mayor of the river town", "“Never,”") in rels
    # unquoted, one word is still too little to be a claim
    assert "CLAIM" not in _attr("Never, said the mayor.")[0]


def test_in_a_poll_after_a_finding_is_a_cue_with_the_poll_as_source() -> None:
    spans, rels = _attr("Roe led Berg by nine points in a county poll.")
    assert spans == {"CUE": ["in"], "SOURCE": ["a county poll"], "CLAIM": ["Roe led Berg by nine points"]}
    assert ("source-of", "a county poll", "Roe led Berg by nine points") in rels
    # "the polls" in general name no source; "voters in a poll said" keeps its verb as the cue
    assert _attr("Roe is ahead in the polls.")[0] == {}
    spans, _ = _attr("Most voters in a county poll said the dam should be built.")
    assert spans["CUE"] == ["said"]


def test_a_dash_after_a_closed_quotation_before_a_name_is_a_cue() -> None:
    spans, rels = _attr('"We will win the river vote."  - Ann Roe.')
    assert spans == {"CUE": ["-"], "SOURCE": ["Ann Roe"], "CLAIM": ['"We will win the river vote."']}
    assert ("cue-of", "-", '"We will win the river vote."') in rels
    # a dash before a clause with its own reporting verb is none
    spans, _ = _attr('"Is this wise?" - Farmers at the meeting said they were unsure.')
    assert "-" not in spans.get("CUE", [])


def test_reports_after_a_named_outlet_is_a_cue() -> None:
    spans, rels = _attr("The dam will open in May, the Springfield Gazette reports.")
    assert spans == {"CUE": ["reports"], "SOURCE": ["the Springfield Gazette"], "CLAIM": ["The dam will open in May"]}
    spans, _ = _attr("The Springfield Gazette reports that the dam will open in May.")
    assert spans["CUE"] == ["reports"]
    # the plural noun before a verb is none
    spans, _ = _attr("County reports show the dam is safe.")
    assert spans["CUE"] == ["show"]


def test_a_party_tag_after_a_speaker_named_after_the_cue_is_part_of_the_source() -> None:
    spans, _ = _attr('"The dam will hold," said Senator Ann Roe, Republican of Ohio.')
    assert spans["SOURCE"] == ["Senator Ann Roe, Republican of Ohio"]
    spans, _ = _attr('"The dam will hold," said Rep. Ann Roe, R-Ohio.')
    assert spans["SOURCE"] == ["Rep. Ann Roe, R-Ohio"]


def test_and_between_two_plural_nouns_joins_one_source() -> None:
    spans, rels = _attr("The mayor's neighbours and old colleagues say the dam will hold.")
    assert spans["SOURCE"] == ["The mayor's neighbours and old colleagues"]
    assert ("source-of", "The mayor's neighbours and old colleagues", "the dam will hold") in rels
    spans, _ = _attr("Many farmers and local officials say the dam will hold.")
    assert spans["SOURCE"] == ["Many farmers and local officials"]


def test_a_cue_of_seeming_has_no_source() -> None:
    spans, rels = _attr("The senator seemed to doubt the dam would hold.")
    assert spans["CUE"] == ["seemed"]
    assert "SOURCE" not in spans
    spans, _ = _attr("The mayor appears to have the votes for the dam.")
    assert spans["CUE"] == ["appears"] and "SOURCE" not in spans


def test_about_before_a_number_is_no_part_of_the_cue() -> None:
    spans, _ = _attr("The treasurer said about half of the money was spent on the dam.")
    assert spans["CUE"] == ["said"]
    spans, _ = _attr("The clerk has deemed about 300 ballots late.")
    assert spans["CUE"] == ["has deemed"]
    spans, _ = _attr("The mayor talked about the dam for an hour.")
    assert spans["CUE"] == ["talked about"]


def test_wrote_or_posted_on_a_social_network_is_one_cue() -> None:
    spans, rels = _attr("The mayor wrote on Twitter that the dam will hold.")
    assert spans == {"CUE": ["wrote on Twitter"], "SOURCE": ["The mayor"], "CLAIM": ["that the dam will hold"]}
    spans, _ = _attr('"The dam will hold," the mayor posted on Facebook.')
    assert spans["CUE"] == ["posted on Facebook"] and spans["SOURCE"] == ["the mayor"]


def test_no_speaker_after_the_cue_when_more_of_the_clause_follows() -> None:
    spans, _ = _attr("Ann Roe, Springfield clerk for the county, said the dam will hold because it is new.")
    assert spans["CUE"] == ["said"]
    assert "SOURCE" not in spans and spans["CLAIM"] == ["the dam will hold because it is new"]
    # a speaker after the cue that ends the sentence, or any after a quotation, stays
    spans, _ = _attr("The dam will hold, said Ann Roe.")
    assert spans["SOURCE"] == ["Ann Roe"]
    spans, _ = _attr('"The dam will hold," said a county engineer who has worked on the river for years.')
    assert spans["CLAIM"] == ['"The dam will hold,"']


def test_a_party_tag_in_brackets_after_a_speaker_named_after_the_cue_is_part_of_the_source() -> None:
    spans, rels = _attr('"The dam will hold," said Sen. Ann Roe (D-Ohio).')
    assert spans["SOURCE"] == ["Sen. Ann Roe (D-Ohio)"]
    assert ("source-of", "Sen. Ann Roe (D-Ohio)", '"The dam will hold,"') in rels


def test_a_long_speaker_named_after_the_cue_runs_to_the_sentence_end() -> None:
    spans, rels = _attr('"The dam will hold," said a county engineer who has worked on the river for many years.')
    assert spans["SOURCE"] == ["a county engineer who has worked on the river for many years"]
    assert spans["CLAIM"] == ['"The dam will hold,"']


def test_a_long_source_before_the_cue_is_read_back_whole() -> None:
    text = "Almost every one of the farmers who live along the lower stretch of the old river in the county have said the dam will hold."
    spans, _ = _attr(text)
    assert spans["SOURCE"] == ["Almost every one of the farmers who live along the lower stretch of the old river in the county"]


def test_a_stance_verb_after_a_closed_quotation_takes_the_speaker_after_it() -> None:
    spans, rels = _attr("“The dam is too old,” writes Ann Roe.")
    assert spans == {"CUE": ["writes"], "SOURCE": ["Ann Roe"], "CLAIM": ["“The dam is too old,”"]}
    assert ("source-of", "Ann Roe", "“The dam is too old,”") in rels


def test_a_gerund_after_a_comma_shares_the_source_of_the_cue_before_it() -> None:
    spans, rels = _attr("“The dam is old,” Roe said, citing a report from the county.")
    assert ("source-of", "Roe", "a report from the county") in rels
    assert ("cue-of", "citing", "a report from the county") in rels


def test_a_gerund_after_a_comma_takes_the_source_of_the_cue_before_it_over_the_opening_words() -> None:
    spans, rels = _attr("Ann Roe, the county clerk, wrote to the farmers on Monday, telling them the dam would hold.")
    assert ("source-of", "Ann Roe, the county clerk,", "them the dam would hold") in rels
    assert "the county clerk" not in spans["SOURCE"]

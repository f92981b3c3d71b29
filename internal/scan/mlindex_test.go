package scan

import (
	"slices"
	"strings"
	"testing"
)

// phraseListCases are lists the one-pass search must read exactly as a
// loop of strings.Index does: overlapping phrases, one a prefix of
// another, two-byte phrases, multi-byte letters, and the rules' own lists.
var phraseListCases = [][]string{
	{"aa", "aaa", "ab", "ba", "abab"},
	{"ü", "über", "überweisung", "ßx"},
}

// naiveOccurrences is what firstOccurrence read before: each word's places
// by strings.Index, each after the end of the one before.
func naiveOccurrences(lo, w string) []int32 {
	var out []int32
	for off := 0; off < len(lo); {
		i := strings.Index(lo[off:], w)
		if i < 0 {
			break
		}
		out = append(out, int32(off+i))
		off += i + len(w)
	}
	return out
}

// ruleLists are the rules' own lists, read from the one table they share.
var ruleLists = []*phraseList{mlDiscussionList, mlWeakDiscussionList, mlNewAccountList, mlChangeList, mlPayList, mlTodayList, mlConfirmList, mlAnyList, mlDisguiseList}

func checkPhraseList(t *testing.T, lo string) {
	var lists []*phraseList
	for _, words := range phraseListCases {
		lists = append(lists, newPhraseListIn(newPhraseTable(), words)) // alone in a table
	}
	lists = append(lists, ruleLists...) // beside every other list
	shared := scanPhrases(plTable, lo)
	for _, pl := range lists {
		ps := shared
		if pl.t != plTable {
			ps = scanPhrases(pl.t, lo)
		}
		occ := pl.occurrences(ps)
		first := pl.first(ps)
		any, distinct := false, 0
		seen := map[string]bool{}
		for k, w := range pl.words {
			want := naiveOccurrences(lo, w)
			var got []int32
			if occ != nil {
				got = occ[k]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q in %q: places %v, strings.Index gives %v", w, lo, got, want)
			}
			if first[k] != strings.Index(lo, w) {
				t.Fatalf("%q in %q: first %d, strings.Index gives %d", w, lo, first[k], strings.Index(lo, w))
			}
			if len(want) > 0 {
				any = true
				if !seen[w] {
					seen[w] = true
					distinct++
				}
			}
		}
		if pl.in(ps) != any || pl.distinct(ps) != distinct {
			t.Fatalf("in %q: in %v distinct %d, want %v %d", lo, pl.in(ps), pl.distinct(ps), any, distinct)
		}
	}
}

func TestPhraseListIsStringsIndex(t *testing.T) {
	for _, lo := range []string{"", "a", "aaaa", "abababa", "xaabaaab", "überüberweisung ßx ß", "änderung der bankverbindung, bitte noch heute", "prompt injection: ein angreifer kann phishing und betrug"} {
		checkPhraseList(t, lo)
	}
}

func FuzzPhraseList(f *testing.F) {
	for _, s := range []string{"aaaa", "abababa", "überweisung", "kontoänderung ab sofort", "phishing betrug"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, lo string) {
		if len(lo) > 4096 {
			return
		}
		checkPhraseList(t, lo)
	})
}

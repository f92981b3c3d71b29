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
	mlChangeWords, mlDiscussionWords, mlWeakDiscussionWords, mlDisguise, mlConfirmWords,
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

func checkPhraseList(t *testing.T, lo string) {
	for _, words := range phraseListCases {
		pl := newPhraseList(words)
		occ := pl.occurrences(lo)
		any, distinct := false, 0
		seen := map[string]bool{}
		for k, w := range words {
			want := naiveOccurrences(lo, w)
			var got []int32
			if occ != nil {
				got = occ[pl.ids[k]]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q in %q: places %v, strings.Index gives %v", w, lo, got, want)
			}
			if len(want) > 0 {
				any = true
				if !seen[w] {
					seen[w] = true
					distinct++
				}
			}
		}
		if pl.in(lo) != any || pl.distinct(lo) != distinct {
			t.Fatalf("in %q: in %v distinct %d, want %v %d", lo, pl.in(lo), pl.distinct(lo), any, distinct)
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

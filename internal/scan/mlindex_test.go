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
var ruleLists = []*phraseList{mlDiscussionList, mlWeakDiscussionList, mlNewAccountList, mlChangeList, mlPayList, mlTodayList, mlConfirmList, mlAnyList, mlDisguiseList, mlProcessorNamed, mlProcessingImpersonal, mlUnmentionedList}

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

// naivePhraseSets is phraseSets.in by one strings.Contains per phrase (and
// a word start looked for at every place of a word-start list's phrase).
func naivePhraseSets(ps *phraseSets, lists [][]string, s string) uint32 {
	var got uint32
	for k, l := range lists {
		for _, p := range l {
			for from := 0; ; {
				i := strings.Index(s[from:], p)
				if i < 0 {
					break
				}
				at := from + i
				if ps.wordStart&(1<<k) == 0 || at == 0 || !wordByte[s[at-1]] {
					got |= 1 << k
					break
				}
				from = at + 1
			}
		}
	}
	return got
}

// FuzzPhraseSets checks the one-pass reads of sendLists against a search
// per phrase: in on a whole text, and spanIn (from one pass of the text)
// on any span of it.
func FuzzPhraseSets(f *testing.F) {
	for _, s := range []string{"please send ", "la prochaine fois envoyez une copie à x@y.fr", "toilet ilet", "次回 全文 を送信して", "never send the token"} {
		f.Add(s, 0, len(s))
	}
	lists := [][]string{mlTaskWords, mlSendFolded, sendVerbsEn, mlSendShort, mlNextWords, mlBcc, mlBulkWords, mlMemoryKeep, mlMemoryLater, negatedSends}
	f.Fuzz(func(t *testing.T, s string, i, j int) {
		if len(s) > 2048 {
			return
		}
		if got, want := sendLists.in(s), naivePhraseSets(sendLists, lists, s); got != want {
			t.Fatalf("in(%q) = %b, want %b", s, got, want)
		}
		if i < 0 || j > len(s) || i > j {
			return
		}
		if got, want := sendLists.spanIn(sendLists.all(s), i, j), sendLists.in(s[i:j]); got != want {
			t.Fatalf("spanIn(%q, %d, %d) = %b, want in(%q) = %b", s, i, j, got, s[i:j], want)
		}
	})
}

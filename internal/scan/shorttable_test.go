package scan

import (
	"math/rand/v2"
	"testing"
)

// TestShortTableAtCapacity builds the short-word perfect hash with as
// many words as buildShort admits (random words of one to eight letters):
// the vocabulary may grow to the limit without the build failing or
// taking long. (Init builds the real table on every process start.)
func TestShortTableAtCapacity(t *testing.T) {
	limit := 1 << shortSlotBits * shortLoadNum / shortLoadDen
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	words := []string{""} // id 0 is no word
	for len(words) <= limit {
		n := 1 + rng.IntN(8)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		if w := string(b); !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	cats := make([]uint64, len(words))
	var tab vocabTable
	tab.buildShort(words, cats)
	for id, w := range words[1:] {
		if got, _ := tab.shortWord(keyChunk([]byte(w), 0)); int(got) != id+1 {
			t.Fatalf("%q: id %d, want %d", w, got, id+1)
		}
	}
}

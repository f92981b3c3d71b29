package scan

import (
	"strings"
	"testing"
)

// The phrases the rules look for in the lowered text are folded as that
// text is: a phrase written with kana's voicing marks ("を呼び出",
// "ください") is found in a sentence that has it.
func TestFoldedPhrasesMatchLoweredText(t *testing.T) {
	lists := map[string][]string{
		"execOrders":      {"を実行してください", "를 실행하세요", " ausführen"},
		"callStemsBefore": {"呼び出", "调用", "Appelez "},
		"callStemsAfter":  {"を呼び出", "를 호출"},
	}
	folded := map[string][]string{"execOrders": execOrders, "callStemsBefore": callStemsBefore, "callStemsAfter": callStemsAfter}
	for name, phrases := range lists {
		for _, p := range phrases {
			low := prepare("share_item " + p + " x").low
			if !containsAny(low, folded[name]) {
				t.Errorf("%s: %q not found in the lowered %q", name, p, strings.TrimSpace(string(low)))
			}
		}
	}
}

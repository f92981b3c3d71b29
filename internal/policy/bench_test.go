package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// BenchmarkPolicyDecision: the tool allowlist and the argument rules for
// one call, with 10 and 100 rules per server (rules are compiled at load;
// a call resolves its own rule once, then evaluates only it).
func BenchmarkPolicyDecision(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			var tr []ToolRule
			var ar []ArgRule
			yes := true
			for i := 0; i < n; i++ {
				pat := fmt.Sprintf("tool-%d", i)
				x, err := Compile(fmt.Sprintf("args.a <= %d && args.currency in ['EUR', 'USD']", 100+i))
				if err != nil {
					b.Fatal(err)
				}
				tr = append(tr, ToolRule{Pattern: pat, Allow: &yes})
				ar = append(ar, ArgRule{Pattern: pat, Arguments: []string{"a", "currency"}, When: x})
			}
			tg := &ToolGuard{Rules: ToolRules{Servers: map[string]ServerRules{"s": {Rules: tr}}}}
			ag := &ArgumentGuard{Rules: ArgRules{Servers: map[string][]ArgRule{"s": ar}}}
			chain := guard.Chain{tg, ag}
			c := &guard.Call{Method: "tools/call", Server: "s", Name: fmt.Sprintf("tool-%d", n-1),
				Arguments: json.RawMessage(`{"a": 50, "currency": "EUR"}`)}
			ctx := context.Background()
			if d := chain.Decide(ctx, c); d.Action != guard.Allow {
				b.Fatalf("%+v", d)
			}
			b.ReportAllocs()
			for b.Loop() {
				chain.Decide(ctx, c)
			}
		})
	}
}

package guard

import (
	"context"
	"testing"
)

func TestCallScope(t *testing.T) {
	var order []int
	ctx, end := WithCallScope(context.Background())
	if !HasCallScope(ctx) || HasCallScope(context.Background()) {
		t.Fatal("HasCallScope")
	}
	if !OnCallDone(ctx, func() { order = append(order, 1) }) || !OnCallDone(ctx, func() { order = append(order, 2) }) {
		t.Fatal("not registered")
	}
	if len(order) != 0 {
		t.Fatal("ran before the end")
	}
	end()
	end() // once
	if len(order) != 2 || order[0] != 2 || order[1] != 1 {
		t.Fatalf("order %v, want [2 1]", order)
	}
	// After the end, or without a scope, fn runs at once: nothing is held
	// that nobody releases.
	ran := 0
	if OnCallDone(ctx, func() { ran++ }) || OnCallDone(context.Background(), func() { ran++ }) || ran != 2 {
		t.Fatalf("ran %d", ran)
	}
}

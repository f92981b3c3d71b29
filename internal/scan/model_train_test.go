package scan

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

var trainModel = flag.Bool("train-model", false, "retrain the learned model and rewrite model.bin.gz")

const (
	modelEpochs   = 15
	modelRate     = 0.5
	modelL2       = 1e-6
	modelDocCap   = 30 // windows of one real document in the training set
	modelSeed     = 1
	modelHoldMark = 2 // real documents whose name hashes to an odd number are held out
)

type modelExample struct {
	idx []uint16
	val []float64
	y   float64
}

// modelVector is the feature vector the model scores for text: the
// buckets its 4-grams fall in, sorted, each 1/sqrt(their number + 1).
func modelVector(text string) ([]uint16, []float64) {
	seen := map[uint16]bool{}
	var idx []uint16
	modelFeatures(text, func(i uint16, _ int) {
		if !seen[i] {
			seen[i] = true
			idx = append(idx, i)
		}
	})
	slices.Sort(idx)
	val := make([]float64, len(idx))
	for i := range val {
		val[i] = 1 / math.Sqrt(float64(len(idx))+1)
	}
	return idx, val
}

// heldOutFile reports a corpus file the model is not trained on.
func heldOutFile(name string) bool {
	for _, p := range modelHeldOut {
		if ok, _ := path.Match(p, filepath.Base(name)); ok {
			return true
		}
	}
	return false
}

// heldOutDoc reports a real document the model is not trained on.
func heldOutDoc(name string) bool {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()%modelHoldMark == 1
}

// modelRowTexts returns the texts the scanner gives the learned rule for
// a corpus row and their labels: a malicious output row's results are
// malicious and its definition benign (the attack is in what the tool
// returned); a malicious definition row's definition is malicious.
func modelRowTexts(s *Scanner, r corpusRow) (texts []string, ys []float64) {
	mal := r.Label == "malicious"
	modelTap = func(text string, def bool) {
		y := 0.0
		if mal && def == (r.Output == "") {
			y = 1
		}
		texts = append(texts, text)
		ys = append(ys, y)
	}
	defer func() { modelTap = nil }()
	scanRow(s, r)
	return texts, ys
}

// modelTrainingFiles are the labelled corpus files the model learns from.
func modelTrainingFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("testdata", "corpora", "poisoning-dev.jsonl"))
	var out []string
	for _, f := range files {
		if filepath.Base(f) != "background.jsonl" && !heldOutFile(f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// TestTrainModel trains the learned model: logistic regression with
// AdaGrad over the labelled rows of the corpus files not held out, and
// windows of the real documents not held out as benign text;
// deterministic (a fixed seed, sorted inputs). With -train-model it
// rewrites model.bin.gz; without, it checks that the shipped model is
// what this code trains from this data, weight for weight.
func TestTrainModel(t *testing.T) {
	s := New(Options{})
	var exs []modelExample
	add := func(text string, y float64) {
		idx, val := modelVector(text)
		exs = append(exs, modelExample{idx, val, y})
	}
	rows := 0
	for _, f := range modelTrainingFiles(t) {
		for _, r := range loadRows(t, f) {
			if r.Label != "malicious" && r.Label != "benign" {
				continue
			}
			texts, ys := modelRowTexts(s, r)
			for i, text := range texts {
				add(text, ys[i])
			}
			rows++
		}
	}
	docs := 0
	for _, d := range realDocs(t) {
		if heldOutDoc(d.name) {
			continue
		}
		for st, k := 0, 0; st < len(d.text) && k < modelDocCap; st, k = st+modelWindow, k+1 {
			add(d.text[st:min(len(d.text), st+modelWindow)], 0)
			docs++
		}
	}
	w := make([]float64, 1<<modelBits)
	g2 := make([]float64, 1<<modelBits)
	var bias, gb2 float64
	rng := rand.New(rand.NewSource(modelSeed))
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	for range modelEpochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			ex := &exs[i]
			z := bias
			for j, k := range ex.idx {
				z += w[k] * ex.val[j]
			}
			g := logistic(z) - ex.y
			for j, k := range ex.idx {
				gk := g*ex.val[j] + modelL2*w[k]
				g2[k] += gk * gk
				w[k] -= modelRate * gk / (math.Sqrt(g2[k]) + 1e-8)
			}
			gb2 += g * g
			bias -= modelRate * g / (math.Sqrt(gb2) + 1e-8)
		}
	}
	trained, err := decodeModel(encodeModel(w, bias))
	if err != nil {
		t.Fatal(err)
	}
	if !*trainModel {
		shipped := loadedModel()
		if trained.bias != shipped.bias || trained.scale != shipped.scale || *trained.w != *shipped.w {
			t.Fatalf("model.bin.gz is not what the training code makes of the corpus (%d texts): retrain with -train-model and say so in the commit", len(exs))
		}
		return
	}
	if err := os.WriteFile("model.bin.gz", encodeModel(w, bias), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("trained on %d texts (%d labelled rows, %d windows of real documents)\n", len(exs), rows, docs)
}

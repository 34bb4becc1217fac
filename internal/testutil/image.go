package testutil

import (
	"image"
	"image/png"
	"os"
	"testing"
)

// Colours returns the number of distinct colours among the pixels of img
// sampled every step pixels in each direction from its top-left corner: a
// cheap test that a rendered plot is not blank. It costs
// O(pixels / step²).
func Colours(img image.Image, step int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// ReadPNG returns the image in the PNG file. If the file cannot be opened
// or is not a valid PNG, it calls t.Fatalf, naming the file, and returns
// nil.
func ReadPNG(t testing.TB, file string) image.Image {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: not a valid PNG: %v", file, err)
		return nil
	}
	return img
}

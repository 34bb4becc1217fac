// Package testutil holds helpers shared by the project's own tests: the
// elementwise error measure, five-point finite differences, random vectors
// and symmetric matrices, and checks of panics and of rendered images. It
// serves the tests of this module only and is not part of its API.
//
// It imports nothing from the module (only the standard library and
// gonum), so that the internal tests of any package, tensor's and optim's
// among them, can use it without an import cycle or a dependency on the
// tape. Test functions written with graph operations are in package
// graphtest.
package testutil

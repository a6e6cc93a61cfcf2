// Package moduletest runs the example module's own `terraform test` against
// the mock host with the built provider, as a module author would, so the
// example and the guide "Testing modules with the mock host" cannot rot.
package moduletest

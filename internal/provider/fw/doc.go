// Package fw is the framework glue that knows no service: the opening line
// of every CRUD method (Begin), the one mapper from typed client errors to
// diagnostics, timeouts attributes, conversions and generic validators.
package fw

// Package instance is rack_incus_instance, resource and data source.
package instance

/** Implementation details of the observability module; not an API. */
package io.solstice.micrometer.internal;

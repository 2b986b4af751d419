/** Adapters that drive DL4J's two network types through one interface; not public API. */
package io.solstice.dl4j.internal;

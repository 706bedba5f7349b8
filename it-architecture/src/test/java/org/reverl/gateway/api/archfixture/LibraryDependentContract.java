package org.reverl.gateway.api.archfixture;

import com.tngtech.archunit.base.DescribedPredicate;

/** A contract in gateway-api's package tree that depends outside the JDK. Checked, never run. */
public final class LibraryDependentContract {

    DescribedPredicate<String> predicate;
}

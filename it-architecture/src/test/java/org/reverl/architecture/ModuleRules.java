package org.reverl.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.Source;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.function.BiPredicate;

/**
 * Reverl's module rules (README, "Modules"), as ArchUnit rules over compiled classes.
 *
 * <p>A class's <em>module</em> is where it was loaded from: the Maven module directory of a {@code target/classes}
 * directory or of a {@code reverl-<module>-<version>.jar}, so a class that sits in another module's package (a split
 * package) still counts as its own module's.
 */
final class ModuleRules {

    static final String API = "org.reverl.gateway.api";

    private ModuleRules() {}

    /**
     * Plugins (strategies, probes, discovery sources, a user's plugin) use nothing of Reverl but gateway-api and
     * themselves.
     */
    static ArchRule pluginsUseOnlyTheApi() {
        return ArchRuleDefinition.classes()
                .that(PLUGIN)
                .should(dependOnlyOn(
                        "Reverl classes of gateway-api or of their own module",
                        (origin, target) -> !isReverl(target)
                                || inPackage(target, API)
                                || module(origin).equals(module(target))));
    }

    /** gateway-api depends on nothing outside the JDK. */
    static ArchRule apiUsesOnlyTheJdk() {
        return ArchRuleDefinition.classes()
                .that()
                .resideInAPackage(API + "..")
                .should(dependOnlyOn(
                        "the JDK (java..) and gateway-api",
                        (origin, target) -> inPackage(target, "java") || inPackage(target, API)));
    }

    /** A package named {@code internal} is used only by the module it belongs to. */
    static ArchRule internalsStayInTheirModule() {
        return ArchRuleDefinition.classes()
                .should(dependOnlyOn(
                        "another module's internal package",
                        (origin, target) ->
                                !isInternal(target) || module(origin).equals(module(target))))
                .as("no class uses another module's internal package");
    }

    static final DescribedPredicate<JavaClass> PLUGIN =
            new DescribedPredicate<>("are plugins (strategy-*, health-*, discovery-*, it-custom-strategy)") {
                @Override
                public boolean test(JavaClass c) {
                    String m = module(c);
                    return m.startsWith("strategy-")
                            || m.startsWith("health-")
                            || m.startsWith("discovery-")
                            || m.equals("it-custom-strategy")
                            || inPackage(c, "org.reverl.strategy")
                            || inPackage(c, "org.reverl.health")
                            || inPackage(c, "org.reverl.discovery");
                }
            };

    private static ArchCondition<JavaClass> dependOnlyOn(String allowed, BiPredicate<JavaClass, JavaClass> ok) {
        boolean negative = allowed.startsWith("another");
        return new ArchCondition<>((negative ? "not use " : "depend only on ") + allowed) {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    JavaClass target = d.getTargetClass().getBaseComponentType();
                    if (!ok.test(origin, target)) {
                        events.add(SimpleConditionEvent.violated(
                                d, d.getDescription() + " [" + module(origin) + " -> " + module(target) + "]"));
                    }
                }
            }
        };
    }

    static boolean isReverl(JavaClass c) {
        return inPackage(c, "org.reverl") || inPackage(c, "com.example.reverl");
    }

    static boolean isInternal(JavaClass c) {
        String p = c.getPackageName();
        return p.endsWith(".internal") || p.contains(".internal.");
    }

    static boolean inPackage(JavaClass c, String pkg) {
        String p = c.getPackageName();
        return p.equals(pkg) || p.startsWith(pkg + ".");
    }

    /**
     * The Maven module a class was loaded from ({@code gateway-core}; {@code it-architecture/test-classes} for this
     * module's own test fixtures), or {@code ?<package>} when its location is unknown.
     */
    static String module(JavaClass c) {
        String uri = c.getSource().map(Source::getUri).map(Object::toString).orElse(null);
        if (uri == null) {
            return "?" + c.getPackageName();
        }
        int bang = uri.indexOf("!/");
        if (bang >= 0) { // jar:file:/.../reverl-health-http-0.1.0-SNAPSHOT.jar!/org/...
            String jar = uri.substring(uri.lastIndexOf('/', bang) + 1, bang);
            String name = jar.startsWith("reverl-") ? jar.substring("reverl-".length()) : jar;
            int version = -1;
            for (int i = name.indexOf('-'); i >= 0 && version < 0; i = name.indexOf('-', i + 1)) {
                if (i + 1 < name.length() && Character.isDigit(name.charAt(i + 1))) {
                    version = i;
                }
            }
            return version > 0 ? name.substring(0, version) : name;
        }
        int target = uri.indexOf("/target/");
        if (target >= 0) { // file:/.../health-http/target/classes/org/...
            String dir = uri.substring(uri.lastIndexOf('/', target - 1) + 1, target);
            return uri.startsWith("/target/test-classes/", target) ? dir + "/test-classes" : dir;
        }
        return uri;
    }
}

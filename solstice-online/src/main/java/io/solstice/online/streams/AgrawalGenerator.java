package io.solstice.online.streams;

import java.util.Random;

/**
 * The Agrawal loan-application stream (Agrawal, Imielinski and Swami, "Database mining: a
 * performance perspective", IEEE TKDE 5(6), 1993): nine attributes of an applicant (salary,
 * commission, age, education level, car make, zip code, house value, years owned, loan) and one
 * of the paper's ten classification functions (page 924; functions 20 to 29 of the public C
 * generator). Numeric values are perturbed by a fraction of their range, as the C code does.
 *
 * <p>Features in order: salary, commission, age, elevel (0-4), car (0-19), zipcode (0-8), hvalue,
 * hyears, loan. Draws follow MOA's {@code moa.streams.generators.AgrawalGenerator} call for call,
 * so rows equal MOA's for the same seed and parameters.
 */
public final class AgrawalGenerator implements RowGenerator {
  private final int function;
  private final double perturbation;
  private final boolean balanced;
  private final Random random;
  private boolean nextShouldBeZero;

  /**
   * A generator.
   *
   * @param function the classification function, 1 to 10
   * @param perturbation the fraction of each numeric range added as uniform noise (0.05 in MOA)
   * @param balanced whether to draw rows until classes alternate (MOA's {@code -b})
   * @param seed the seed of the rows
   */
  public AgrawalGenerator(int function, double perturbation, boolean balanced, int seed) {
    if (function < 1 || function > 10) {
      throw new IllegalArgumentException("Agrawal function must be 1 to 10, was " + function);
    }
    if (!(perturbation >= 0 && perturbation <= 1)) {
      throw new IllegalArgumentException("perturbation must be in [0, 1], was " + perturbation);
    }
    this.function = function;
    this.perturbation = perturbation;
    this.balanced = balanced;
    this.random = new Random(seed);
  }

  /**
   * Function {@code function} with MOA's default 5% perturbation, unbalanced.
   *
   * @param function 1 to 10
   * @param seed the seed
   * @return the generator
   */
  public static AgrawalGenerator of(int function, int seed) {
    return new AgrawalGenerator(function, 0.05, false, seed);
  }

  @Override
  public int features() {
    return 9;
  }

  @Override
  public int classes() {
    return 2;
  }

  @Override
  public int next(double[] x) {
    double salary;
    double commission;
    double hvalue;
    double loan;
    int age;
    int elevel;
    int car;
    int zipcode;
    int hyears;
    int label;
    while (true) {
      salary = 20000.0 + 130000.0 * random.nextDouble();
      commission = salary >= 75000.0 ? 0 : 10000.0 + 65000.0 * random.nextDouble();
      age = 20 + random.nextInt(61);
      elevel = random.nextInt(5);
      car = random.nextInt(20);
      zipcode = random.nextInt(9);
      hvalue = (9.0 - zipcode) * 100000.0 * (0.5 + random.nextDouble());
      hyears = 1 + random.nextInt(30);
      loan = random.nextDouble() * 500000.0;
      label = classify(salary, commission, age, elevel, hvalue, hyears, loan);
      if (!balanced || (label == 0) == nextShouldBeZero) {
        break;
      }
    }
    if (balanced) {
      nextShouldBeZero = !nextShouldBeZero;
    }
    if (perturbation > 0) {
      salary = perturb(salary, 130000, 20000, 150000);
      if (commission > 0) {
        commission = perturb(commission, 65000, 10000, 75000);
      }
      age = (int) Math.round(perturb(age, 60, 20, 80));
      // The C generator perturbs the house value by its zip code's base value, floored at 0.
      hvalue = perturb(hvalue, (9.0 - zipcode) * 100000.0, 0, 135000);
      hyears = (int) Math.round(perturb(hyears, 29, 1, 30));
      loan = perturb(loan, 500000, 0, 500000);
    }
    x[0] = salary;
    x[1] = commission;
    x[2] = age;
    x[3] = elevel;
    x[4] = car;
    x[5] = zipcode;
    x[6] = hvalue;
    x[7] = hyears;
    x[8] = loan;
    return label;
  }

  private double perturb(double value, double range, double min, double max) {
    double perturbed = value + range * (2.0 * (random.nextDouble() - 0.5)) * perturbation;
    return Math.max(min, Math.min(max, perturbed));
  }

  private static boolean within(double value, double low, double high) {
    return low <= value && value <= high;
  }

  /** The paper's functions; 0 is group A, 1 group B. */
  private int classify(
      double salary, double commission, int age, int elevel, double hvalue, int hyears, double loan) {
    boolean groupA =
        switch (function) {
          case 1 -> age < 40 || age >= 60;
          case 2 -> age < 40
              ? within(salary, 50000, 100000)
              : age < 60 ? within(salary, 75000, 125000) : within(salary, 25000, 75000);
          case 3 -> age < 40
              ? elevel <= 1
              : age < 60 ? elevel >= 1 && elevel <= 3 : elevel >= 2 && elevel <= 4;
          case 4 -> age < 40
              ? (elevel <= 1 ? within(salary, 25000, 75000) : within(salary, 50000, 100000))
              : age < 60
                  ? (elevel >= 1 && elevel <= 3
                      ? within(salary, 50000, 100000)
                      : within(salary, 75000, 125000))
                  : (elevel >= 2 && elevel <= 4
                      ? within(salary, 50000, 100000)
                      : within(salary, 25000, 75000));
          case 5 -> age < 40
              ? (within(salary, 50000, 100000)
                  ? within(loan, 100000, 300000)
                  : within(loan, 200000, 400000))
              : age < 60
                  ? (within(salary, 75000, 125000)
                      ? within(loan, 200000, 400000)
                      : within(loan, 300000, 500000))
                  : (within(salary, 25000, 75000)
                      ? within(loan, 300000, 500000)
                      : within(loan, 100000, 300000));
          case 6 -> {
            double total = salary + commission;
            yield age < 40
                ? within(total, 50000, 100000)
                : age < 60 ? within(total, 75000, 125000) : within(total, 25000, 75000);
          }
          case 7 -> 2.0 * (salary + commission) / 3.0 - loan / 5.0 - 20000.0 > 0;
          case 8 -> 2.0 * (salary + commission) / 3.0 - 5000.0 * elevel - 20000.0 > 0;
          case 9 -> 2.0 * (salary + commission) / 3.0 - 5000.0 * elevel - loan / 5.0 - 10000.0 > 0;
          case 10 -> {
            double equity = hyears >= 20 ? hvalue * (hyears - 20.0) / 10.0 : 0.0;
            yield 2.0 * (salary + commission) / 3.0 - 5000.0 * elevel + equity / 5.0 - 10000.0 > 0;
          }
          default -> throw new IllegalStateException("function " + function);
        };
    return groupA ? 0 : 1;
  }
}

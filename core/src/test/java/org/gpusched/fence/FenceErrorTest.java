package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Errno values, lookup and equality. */
class FenceErrorTest {

    @Test
    void constantsCarryTheirLinuxErrnos() {
        assertThat(FenceError.NONE.errno()).isZero();
        assertThat(FenceError.KILLED.errno()).isEqualTo(-3);
        assertThat(FenceError.BACKEND_FAILED.errno()).isEqualTo(-5);
        assertThat(FenceError.DEVICE_GONE.errno()).isEqualTo(-19);
        assertThat(FenceError.TIMED_OUT.errno()).isEqualTo(-110);
        assertThat(FenceError.CANCELED.errno()).isEqualTo(-125);
    }

    @Test
    void constantsCarryTheirSymbolicNames() {
        assertThat(FenceError.NONE.name()).isEqualTo("OK");
        assertThat(FenceError.KILLED.name()).isEqualTo("ESRCH");
        assertThat(FenceError.BACKEND_FAILED.name()).isEqualTo("EIO");
        assertThat(FenceError.DEVICE_GONE.name()).isEqualTo("ENODEV");
        assertThat(FenceError.TIMED_OUT.name()).isEqualTo("ETIMEDOUT");
        assertThat(FenceError.CANCELED.name()).isEqualTo("ECANCELED");
        assertThat(FenceError.TIMED_OUT.description()).isNotBlank();
    }

    @Test
    void onlyNoneIsNotAnError() {
        assertThat(FenceError.NONE.isError()).isFalse();
        assertThat(FenceError.KILLED.isError()).isTrue();
        assertThat(FenceError.CANCELED.isError()).isTrue();
        assertThat(FenceError.of(-1).isError()).isTrue();
    }

    @Test
    void ofReturnsTheKnownConstants() {
        assertThat(FenceError.of(0)).isSameAs(FenceError.NONE);
        assertThat(FenceError.of(-3)).isSameAs(FenceError.KILLED);
        assertThat(FenceError.of(-5)).isSameAs(FenceError.BACKEND_FAILED);
        assertThat(FenceError.of(-19)).isSameAs(FenceError.DEVICE_GONE);
        assertThat(FenceError.of(-110)).isSameAs(FenceError.TIMED_OUT);
        assertThat(FenceError.of(-125)).isSameAs(FenceError.CANCELED);
    }

    @Test
    void ofAcceptsTheWholeErrnoRange() {
        assertThat(FenceError.of(-1).errno()).isEqualTo(-1);
        assertThat(FenceError.of(-22).errno()).isEqualTo(-22);
        assertThat(FenceError.of(-4095).errno()).isEqualTo(-4095);
    }

    @Test
    void ofRejectsPositiveValuesAndValuesBelowMaxErrno() {
        assertThatThrownBy(() -> FenceError.of(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FenceError.of(110)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FenceError.of(Integer.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FenceError.of(-4096)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FenceError.of(Integer.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void errorsAreEqualWhenTheirErrnoIsEqual() {
        FenceError a = FenceError.of(-22);
        FenceError b = FenceError.of(-22);
        assertThat(a).isEqualTo(b);
        assertThat(a.hashCode()).isEqualTo(b.hashCode());
        assertThat(a).isNotEqualTo(FenceError.of(-23));
        assertThat(a).isNotEqualTo(FenceError.NONE);
        assertThat(FenceError.of(-110)).isEqualTo(FenceError.TIMED_OUT);
        assertThat(a).isNotEqualTo("EINVAL");
    }

    @Test
    void toStringShowsNameAndErrno() {
        assertThat(FenceError.NONE.toString()).isEqualTo("OK");
        assertThat(FenceError.TIMED_OUT.toString()).contains("ETIMEDOUT").contains("-110");
        assertThat(FenceError.of(-22).toString()).contains("-22");
    }
}

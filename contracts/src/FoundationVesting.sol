// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VestingWallet} from "@openzeppelin/contracts/finance/VestingWallet.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/**
 * @title FoundationVesting
 * @notice The Foundation's budget: an OpenZeppelin VestingWallet (linear vesting of ETH and ERC-20s to the Foundation)
 * that the DAO (the treasury timelock) can revoke. Revocation freezes vesting at that moment: what had vested stays
 * releasable to the Foundation, and the unvested rest can be sent back to the DAO by anyone ({reclaim}).
 */
contract FoundationVesting is VestingWallet {
    using SafeERC20 for IERC20;

    /// @dev Currency key for ETH in the per-currency maps.
    address private constant _ETH = address(0);

    /// @notice The DAO (treasury timelock): may revoke, receives the unvested rest.
    address public immutable dao;

    uint64 private _revokedAt;
    mapping(address token => bool) private _frozen;
    mapping(address token => uint256) private _vestedCap;

    /// @notice Emitted when the DAO revokes the vesting.
    event VestingRevoked(uint64 revokedAt);
    /// @notice Emitted when unvested funds return to the DAO.
    event Reclaimed(address indexed token, uint256 amount);

    /// @notice Only the DAO may revoke.
    error FoundationVestingUnauthorized(address account);
    /// @notice Already revoked.
    error FoundationVestingAlreadyRevoked(uint64 revokedAt);
    /// @notice Not revoked: nothing can be reclaimed.
    error FoundationVestingNotRevoked();
    /// @notice The DAO cannot be the zero address.
    error FoundationVestingZeroDao();

    /**
     * @param foundation the beneficiary
     * @param dao_ the DAO (treasury timelock)
     * @param startTimestamp vesting start (unix seconds)
     * @param durationSeconds vesting length
     */
    constructor(address foundation, address dao_, uint64 startTimestamp, uint64 durationSeconds)
        payable
        VestingWallet(foundation, startTimestamp, durationSeconds)
    {
        if (dao_ == address(0)) revert FoundationVestingZeroDao();
        dao = dao_;
    }

    /// @notice Stops vesting now. Only the DAO, once.
    function revoke() external {
        if (msg.sender != dao) revert FoundationVestingUnauthorized(msg.sender);
        if (_revokedAt != 0) revert FoundationVestingAlreadyRevoked(_revokedAt);
        _revokedAt = uint64(block.timestamp);
        emit VestingRevoked(_revokedAt);
    }

    /// @notice Sends the unvested ETH back to the DAO. Anyone, after revocation.
    function reclaim() external returns (uint256 amount) {
        amount = _reclaimable(_ETH, address(this).balance, released(), vestedAmount(_revokedAtOrRevert()));
        emit Reclaimed(_ETH, amount);
        Address.sendValue(payable(dao), amount);
    }

    /// @notice Sends the unvested `token` back to the DAO. Anyone, after revocation.
    function reclaim(address token) external returns (uint256 amount) {
        amount = _reclaimable(
            token, IERC20(token).balanceOf(address(this)), released(token), vestedAmount(token, _revokedAtOrRevert())
        );
        emit Reclaimed(token, amount);
        IERC20(token).safeTransfer(dao, amount);
    }

    /// @notice When the vesting was revoked (0 if it was not).
    function revokedAt() external view returns (uint64) {
        return _revokedAt;
    }

    /// @notice ETH vested at `timestamp`, frozen at the revocation.
    function vestedAmount(uint64 timestamp) public view override returns (uint256) {
        if (_frozen[_ETH]) return _vestedCap[_ETH];
        return super.vestedAmount(_cap(timestamp));
    }

    /// @notice `token` vested at `timestamp`, frozen at the revocation.
    function vestedAmount(address token, uint64 timestamp) public view override returns (uint256) {
        if (_frozen[token]) return _vestedCap[token];
        return super.vestedAmount(token, _cap(timestamp));
    }

    /// @dev Freezes `token`'s vested amount and returns the balance beyond what the Foundation may still release.
    function _reclaimable(address token, uint256 balance, uint256 releasedSoFar, uint256 vested)
        private
        returns (uint256)
    {
        if (!_frozen[token]) {
            _frozen[token] = true;
            _vestedCap[token] = vested;
        }
        // Cannot underflow: vested <= balance + released (the vesting schedule never exceeds the allocation).
        return balance - (_vestedCap[token] - releasedSoFar);
    }

    function _revokedAtOrRevert() private view returns (uint64) {
        uint64 revoked = _revokedAt;
        if (revoked == 0) revert FoundationVestingNotRevoked();
        return revoked;
    }

    function _cap(uint64 timestamp) private view returns (uint64) {
        uint64 revoked = _revokedAt;
        return revoked != 0 && timestamp > revoked ? revoked : timestamp;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title PushSplitter
/// @notice The plain O(n) baseline for bench:contracts: every payment is pushed to every payee, pro rata to shares,
/// in the payment's own transaction.
contract PushSplitter {
    address[] private _payees;
    uint256[] private _shares;
    uint256 private _totalShares;

    /// @notice A payee could not be paid.
    error PushSplitterTransferFailed(address payee);

    constructor(address[] memory payees, uint256[] memory shares) {
        _payees = payees;
        _shares = shares;
        for (uint256 i = 0; i < shares.length; ++i) {
            _totalShares += shares[i];
        }
    }

    /// @notice Splits `msg.value` between all payees now.
    function distribute() external payable {
        uint256 count = _payees.length;
        uint256 total = _totalShares;
        for (uint256 i = 0; i < count; ++i) {
            address payee = _payees[i];
            (bool ok,) = payee.call{value: (msg.value * _shares[i]) / total}("");
            if (!ok) revert PushSplitterTransferFailed(payee);
        }
    }
}
